// The court evidence packet (certificate, time log, scores, grades, attendance, audit extract), for the referral's court staff and its program's facilitators and admins. It
// shows outcomes, never the participant's words or staff's words about him: no reflection text, no
// grading feedback, no unlock reasons, no case notes. Each download is audited as a staff access.
// Each packet is numbered, signed with the certificates' PDF signer and registered (number, SHA-256,
// court, enrollment, when, by whom), so an upload at /verify says whether it is genuine or altered.
import { createHash } from 'node:crypto';
import { signingKeys } from '../certificates/certificate-keys';
import { newId } from '../ids';
import { parseProgramSettings } from '../../domain/program-settings';
import { actingRole } from '../access';
import { audit } from '../audit/audit';
import { clock, today } from '../clock';
import { config } from '../config';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import { dueDateExtensions } from '../facilitation/case-file.service';
import { lastActivity, participantRow } from '../facilitation/oversight';
import { moduleCompletions, participantTimeline } from '../facilitation/timeline';
import { renderPacketInWorker } from '../certificates/worker-pool';
import { loadCourseState } from '../learning/evidence';
import type { UserIdentity } from '../users/users.queries';
import type { PacketFacts, PacketRole, PacketSession } from './packet-facts';

/** The role in which this user may see the enrollment (court staff first), or null: "not found". */
export function packetRole(
	user: UserIdentity,
	e: Pick<EnrollmentsTable, 'program_id' | 'court_id' | 'user_id' | 'purged_at'>
): PacketRole | null {
	if (e.purged_at) return null;
	return actingRole(user, e, 'court_or_staff');
}

export type PacketResult =
	| { ok: true; pdf: Buffer; fileName: string; renderMs: number; number: string }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'no_keys'; problem: string };

/** The next packet number of a program for this year (e.g. RC-EP-2026-000042), in its own short transaction. */
async function nextPacketNumber(db: Db, programId: string): Promise<string> {
	return db.transaction().execute(async (trx) => {
		const program = await trx
			.selectFrom('programs')
			.select('serial_prefix')
			.where('id', '=', programId)
			.executeTakeFirstOrThrow();
		const year = clock.now().getUTCFullYear();
		const counter = await trx
			.insertInto('packet_counters')
			.values({ program_id: programId, year, last_value: 1 })
			.onConflict((oc) =>
				oc
					.columns(['program_id', 'year'])
					.doUpdateSet((eb) => ({ last_value: eb('packet_counters.last_value', '+', 1) }))
			)
			.returning('last_value')
			.executeTakeFirstOrThrow();
		return `${program.serial_prefix}-EP-${year}-${String(Number(counter.last_value)).padStart(6, '0')}`;
	});
}

export async function evidencePacket(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	origin: string,
	ip?: string
): Promise<PacketResult> {
	const e = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	const as = e ? packetRole(user, e) : null;
	if (!e || !as) return { ok: false, reason: 'not_found' };
	// Signed as the certificates are; without the signing keys no packet is made (an unsigned one
	// could not be told from a forgery).
	const k = signingKeys();
	if (!k.ok) return { ok: false, reason: 'no_keys', problem: k.problem };
	const verifyUrl = `${config.publicOrigin ?? origin}/verify`;
	const facts = await packetFacts(db, e, { name: user.name, role: as }, verifyUrl);
	// Taken before rendering, as it is printed on the packet; a packet that then fails leaves a gap
	// in the numbers, with nothing registered under it.
	facts.number = await nextPacketNumber(db, e.program_id);
	const started = performance.now();
	// In the certificate worker: a packet is 20–80 ms of CPU (more for the first, which parses the fonts).
	const pdf = await renderPacketInWorker(facts, {
		// A packet is a report made on request, not the court record: it is time-stamped when the TSA
		// answers, but never refused for want of one (TSA_REQUIRED is about certificates).
		material: {
			p12: k.keys.pdf.p12,
			passphrase: k.keys.pdf.passphrase,
			crlDer: k.keys.crl?.der ?? null,
			tsa: k.tsa ? { ...k.tsa, required: false } : null
		},
		info: {
			reason: `Court evidence packet ${facts.number}`,
			name: facts.provider,
			location: facts.programName,
			contactInfo: verifyUrl,
			signingTime: new Date(facts.generatedAt)
		}
	});
	const renderMs = performance.now() - started;
	const sha256 = createHash('sha256').update(pdf).digest('hex');
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('evidence_packets')
			.values({
				id: newId(),
				number: facts.number!,
				sha256,
				program_id: e.program_id,
				court_id: e.court_id,
				enrollment_id: e.id,
				made_at: facts.generatedAt,
				made_by: user.id,
				made_as: as,
				pdf_key_id: k.keys.pdf.keyId
			})
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'record.packet',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { as, number: facts.number!, sha256 }
		});
	});
	return {
		ok: true,
		pdf,
		fileName: `evidence-packet-${e.case_number.replace(/[^A-Za-z0-9-]/g, '')}.pdf`,
		renderMs,
		number: facts.number
	};
}

/** Everything the packet shows, read in one pass. Access must already have been checked. */
export async function packetFacts(
	db: Db,
	e: EnrollmentsTable,
	generatedBy: PacketFacts['generatedBy'],
	verifyUrl: string
): Promise<PacketFacts> {
	const state = await loadCourseState(db, e);
	const [
		program,
		court,
		curriculum,
		activity,
		extensions,
		progress,
		attempts,
		submissions,
		grades,
		sessions,
		signoff,
		certificates,
		timeline
	] = await Promise.all([
		db
			.selectFrom('programs')
			.select(['name', 'provider', 'settings_json'])
			.where('id', '=', e.program_id)
			.executeTakeFirstOrThrow(),
		db.selectFrom('courts').select('name').where('id', '=', e.court_id).executeTakeFirstOrThrow(),
		e.curriculum_version_id
			? db
					.selectFrom('curriculum_versions')
					.select(['version', 'title'])
					.where('id', '=', e.curriculum_version_id)
					.executeTakeFirst()
			: Promise.resolve(undefined),
		lastActivity(db, [e]),
		dueDateExtensions(db, e.id),
		db.selectFrom('module_progress').select(['module_id', 'started_at']).where('enrollment_id', '=', e.id).execute(),
		db
			.selectFrom('quiz_attempts')
			.select(['quiz_id', 'submitted_at', 'passed'])
			.where('enrollment_id', '=', e.id)
			.execute(),
		// Never the body: the court gets the outcome, not his words.
		db
			.selectFrom('reflection_submissions')
			.select(['id', 'prompt_id', 'version', 'status', 'submitted_at'])
			.where('enrollment_id', '=', e.id)
			.execute(),
		db
			.selectFrom('reflection_grades')
			.innerJoin('reflection_submissions', 'reflection_submissions.id', 'reflection_grades.submission_id')
			.select(['reflection_grades.submission_id', 'reflection_grades.graded_at'])
			.where('reflection_submissions.enrollment_id', '=', e.id)
			.execute(),
		db
			.selectFrom('session_registrations')
			.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
			.select([
				'live_sessions.title',
				'live_sessions.kind',
				'live_sessions.starts_at',
				'live_sessions.ends_at',
				'live_sessions.cancelled_at as sessionCancelledAt',
				'session_registrations.cancelled_at',
				'session_registrations.attendance',
				'session_registrations.participation_grade'
			])
			.where('session_registrations.enrollment_id', '=', e.id)
			.orderBy('live_sessions.starts_at')
			.execute(),
		db
			.selectFrom('signoffs')
			.innerJoin('users', 'users.id', 'signoffs.facilitator_id')
			.select(['signoffs.signed_at', 'users.name'])
			.where('signoffs.enrollment_id', '=', e.id)
			.executeTakeFirst(),
		db
			.selectFrom('certificates')
			.select(['serial', 'status', 'issued_at', 'revoked_at', 'revoke_reason', 'superseded_by'])
			.where('enrollment_id', '=', e.id)
			.orderBy('issued_at')
			.execute(),
		participantTimeline(db, e, state, { audience: 'court' })
	]);
	const now = clock.now();
	const row = participantRow(state, {
		lastActivityAt: activity.get(e.id) ?? null,
		extensions: extensions.length,
		today: today(),
		now
	});
	const completed = moduleCompletions(state, attempts, submissions);
	const startedAt = new Map(progress.map((p) => [p.module_id, p.started_at]));
	const gradedAt = new Map(grades.map((g) => [g.submission_id, g.graded_at]));
	const settings = parseProgramSettings(program.settings_json);

	return {
		generatedAt: now.toISOString(),
		generatedBy,
		timeZone: settings.timeZone,
		programName: program.name,
		provider: program.provider,
		courtName: court.name,
		referral: {
			legalName: e.legal_name,
			dateOfBirth: e.date_of_birth,
			caseNumber: e.case_number,
			offence: e.offence,
			referralDate: e.referral_date,
			dueDate: e.due_date,
			curriculum: curriculum ? `${curriculum.title}, version ${curriculum.version}` : null,
			activatedAt: e.activated_at,
			extensions: [...extensions].reverse().map((x) => ({
				previousDueDate: x.previousDueDate,
				newDueDate: x.newDueDate,
				orderReference: x.orderReference,
				recordedAt: x.createdAt
			}))
		},
		standing: {
			standing: row.standing,
			daysLeft: row.daysLeft,
			reasons: row.reasons,
			completedAt: e.completed_at,
			lastActivityAt: row.lastActivityAt,
			modulesDone: row.modulesDone,
			modules: row.modules,
			creditedSeatSeconds: row.creditedSeatSeconds,
			requiredSeatSeconds: row.requiredSeatSeconds
		},
		requirements: state.requirements,
		modules: state.modules.map((m) => ({
			position: m.position,
			title: m.title,
			seatSeconds: m.seatSeconds,
			requiredSeconds: m.requiredSeconds,
			startedAt: startedAt.get(m.moduleId) ?? null,
			completedAt: completed.get(m.moduleId) ?? null,
			quiz: {
				attemptsUsed: m.attemptsUsed,
				attemptsAllowed: m.attemptsAllowed,
				bestScore: m.bestScore,
				passMark: m.passMark,
				passed: m.quizPassed,
				locked: m.quizLocked
			},
			reflections: m.reflections.map((r, i) => {
				const versions = submissions
					.filter((s) => s.prompt_id === r.promptId)
					.sort((a, b) => Number(b.version) - Number(a.version));
				const lastGraded = versions.find((s) => gradedAt.has(s.id));
				return {
					number: i + 1,
					of: m.reflections.length,
					versions: versions.length,
					outcome: r.status,
					gradedAt: lastGraded ? gradedAt.get(lastGraded.id)! : null
				};
			})
		})),
		sessions: sessions.map((s) => ({
			title: s.title,
			kind: s.kind,
			startsAt: s.starts_at,
			endsAt: s.ends_at,
			state: sessionState(s, now),
			participation: s.attendance && s.attendance !== 'absent' ? s.participation_grade : null
		})),
		fee: { required: settings.feeRequired, status: e.fee_status, recordedAt: e.fee_recorded_at },
		attestation: e.attested_at ? { name: e.attestation_name ?? '', at: e.attested_at } : null,
		signoff: signoff ? { at: signoff.signed_at, by: signoff.name } : null,
		certificates: certificates.map((c) => ({
			serial: c.serial,
			status: c.status,
			issuedAt: c.issued_at,
			revokedAt: c.revoked_at,
			revokeReason: c.revoke_reason,
			supersededBy: c.superseded_by
		})),
		verifyUrl,
		// Oldest first, as a record reads; module starts and completions are in the time log. The court
		// audience already leaves notes, feedback and unlock reasons out; filtering notes again is a
		// second lock on the one thing that must never reach a court.
		events: [...timeline]
			.reverse()
			.filter((ev) => ev.kind !== 'note' && ev.kind !== 'module')
			.map((ev) => ({ at: ev.at, title: ev.title, detail: ev.detail, by: ev.by }))
	};
}

function sessionState(
	s: {
		sessionCancelledAt: string | null;
		cancelled_at: string | null;
		attendance: PacketSession['state'] | null;
		ends_at: string;
	},
	now: Date
): PacketSession['state'] {
	if (s.attendance) return s.attendance;
	if (s.cancelled_at) return 'registration_cancelled';
	if (s.sessionCancelledAt) return 'session_cancelled';
	return Date.parse(s.ends_at) > now.getTime() ? 'registered' : 'not_recorded';
}

/** The packet as a download (both routes that serve it): 404 for anyone who may not see the record. */
export async function packetDownload(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	origin: string,
	ip?: string
): Promise<Response | null> {
	const r = await evidencePacket(db, user, enrollmentId, origin, ip);
	if (!r.ok && r.reason === 'no_keys') {
		return new Response(
			'Evidence packets cannot be made: the signing keys are not set up on the server. Ask the program administrator.',
			{ status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } }
		);
	}
	if (!r.ok) return null;
	return new Response(new Uint8Array(r.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${r.fileName}"`,
			'cache-control': 'no-store'
		}
	});
}
