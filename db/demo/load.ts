import { resolve } from 'node:path';
import { audit } from '../../src/lib/server/audit/audit';
import { activate } from '../../src/lib/server/enrollment/activation.service';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { ensureSigningReady } from '../../src/lib/server/certificates/certificate-keys';
import { generateKeys } from '../../src/lib/server/certificates/keys-folder';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { importCurriculum } from '../../src/lib/server/curriculum/curriculum.service';
import { readCurriculumFolder } from '../../src/lib/server/curriculum/files';
import { clock, today } from '../../src/lib/server/clock';
import { newId } from '../../src/lib/server/ids';
import type { Db } from '../../src/lib/server/db';
import { findOwnEnrollment } from '../../src/lib/server/learning/participant';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import { findIdentity, type UserIdentity } from '../../src/lib/server/users/users.queries';
import { createStaffUser } from '../../src/lib/server/users/users.service';
import { demoCourt, demoParticipants, demoProgram, demoSessions, demoStaff } from './demo-data';
import { editSession, register, scheduleSession } from '../../src/lib/server/sessions/sessions.service';
import { utcToZoned, zonedToUtc } from '../../src/lib/domain/local-time';
import { parseProgramSettings } from '../../src/lib/domain/program-settings';
import { existsSync } from 'node:fs';

export interface DemoSummary {
	alreadyLoaded: boolean;
	accounts: { role: string; email: string; password: string; note: string }[];
	pendingCode?: { code: string; dateOfBirth: string; caseNumber: string };
	certificateSerial?: string;
}

function addDays(days: number): string {
	return new Date(clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Loads the demo program: every role, a participant part-way, one finished with a certificate. */
export async function loadDemo(
	db: Db,
	opts: { curriculumDir: string; keysDir: string; origin: string; log?: (s: string) => void }
): Promise<DemoSummary> {
	const log = opts.log ?? (() => {});
	const accounts = [
		...demoStaff.map((s) => ({ role: s.roles.join(','), email: s.email, password: s.password, note: s.name })),
		{
			role: 'participant',
			email: demoParticipants.partWay.email,
			password: demoParticipants.partWay.password,
			note: 'part-way through the course'
		},
		{
			role: 'participant',
			email: demoParticipants.finished.email,
			password: demoParticipants.finished.password,
			note: 'finished, holds a certificate'
		}
	];
	if (await db.selectFrom('programs').select('id').where('slug', '=', demoProgram.slug).executeTakeFirst()) {
		return { alreadyLoaded: true, accounts };
	}

	if (!existsSync(resolve(opts.keysDir, 'keys.json'))) {
		// The demo keeps its CA beside the keys folder ("keys-ca"); a real deployment keeps it off the server.
		const g = generateKeys(resolve(opts.keysDir), {
			programName: demoProgram.name,
			programSlug: demoProgram.slug,
			crlUrl: `${opts.origin.replace(/\/$/, '')}/api/v1/keys/ca.crl`
		});
		log(
			`generated signing keys in ${g.dir} (Ed25519 ${g.ed25519KeyId}, PDF ${g.pdfKeyId}) and the program CA in ${g.caDir}`
		);
	}
	await ensureSigningReady(opts.keysDir, db);

	const programId = newId();
	const courtId = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('programs')
			.values({
				id: programId,
				slug: demoProgram.slug,
				name: demoProgram.name,
				provider: demoProgram.provider,
				serial_prefix: demoProgram.serialPrefix,
				settings_json: JSON.stringify(demoProgram.settings),
				created_at: clock.iso()
			})
			.execute();
		await trx
			.insertInto('courts')
			.values({
				id: courtId,
				program_id: programId,
				name: demoCourt.name,
				county: demoCourt.county,
				created_at: clock.iso()
			})
			.execute();
		await audit(trx, { actorId: null, action: 'demo.load', targetType: 'program', targetId: programId });
	});
	log(`program "${demoProgram.name}" and court "${demoCourt.name}"`);

	const imported = await importCurriculum(db, null, readCurriculumFolder(opts.curriculumDir));
	if (!imported.ok) throw new Error(`curriculum import failed: ${imported.reason}`);
	log(`curriculum: ${imported.modules} modules, ${imported.questions} quiz questions`);

	const staff: Record<string, UserIdentity> = {};
	for (const s of demoStaff) {
		const r = await createStaffUser(db, null, {
			email: s.email,
			name: s.name,
			title: s.title,
			password: s.password,
			roles: [...s.roles],
			programIds: s.roles.some((x) => x === 'admin' || x === 'facilitator') ? [programId] : [],
			courtIds: (s.roles as readonly string[]).includes('court') ? [courtId] : []
		});
		if (!r.ok) throw new Error(`demo user ${s.email}: ${r.reason}`);
		staff[s.roles[0]] = (await findIdentity(db, r.id))!;
	}
	const clerk = staff.court;
	const facilitator = staff.facilitator;

	const enrol = async (p: {
		legalName: string;
		dateOfBirth: string;
		caseNumber: string;
		offence?: string;
		offenceDaysAgo?: number;
		dueInDays: number;
	}) => {
		const offenceDate = p.offenceDaysAgo === undefined ? null : addDays(-p.offenceDaysAgo);
		const r = await createReferral(db, clerk, {
			legalName: p.legalName,
			dateOfBirth: p.dateOfBirth,
			caseNumber: p.caseNumber,
			offence: p.offence,
			offenceDate,
			courtId,
			referralDate: today(),
			dueDate: addDays(p.dueInDays)
		});
		if (!r.ok) throw new Error(`demo referral: ${r.reason}`);
		return r;
	};
	const start = async (p: typeof demoParticipants.partWay) => {
		const r = await enrol(p);
		const a = await activate(db, {
			code: r.code,
			dateOfBirth: p.dateOfBirth,
			caseNumber: p.caseNumber,
			email: p.email,
			password: p.password,
			noticeAcknowledged: true,
			ip: '127.0.0.1'
		});
		if (!a.ok) throw new Error(`demo activation: ${a.reason}`);
		return (await findIdentity(db, a.userId))!;
	};

	const thomas = await start(demoParticipants.partWay);
	await completeModules(db, thomas, facilitator, 1);
	log(`participant ${demoParticipants.partWay.email}: module 1 done, module 2 started`);

	const kevin = await start(demoParticipants.finished);
	const total = await completeModules(db, kevin, facilitator, Infinity);
	const kevinEnrollment = (await findOwnEnrollment(db, kevin))!;
	await db
		.updateTable('enrollments')
		.set({ fee_status: 'paid', fee_recorded_by: facilitator.id, fee_recorded_at: clock.iso() })
		.where('id', '=', kevinEnrollment.id)
		.execute();
	const at = await attest(db, kevin, { typedName: demoParticipants.finished.legalName, confirmed: true });
	if (!at.ok) throw new Error(`demo attestation: ${at.reason}`);
	const so = await signOff(db, facilitator, kevinEnrollment.id, opts.origin);
	if (!so.ok) throw new Error(`demo sign-off: ${so.reason}`);
	log(`participant ${demoParticipants.finished.email}: ${total} modules done, certificate ${so.serial}`);

	await addDemoSessions(db, programId, facilitator, kevinEnrollment.id, thomas);
	log(
		`live sessions: ${demoSessions.upcoming.length} upcoming; ${demoParticipants.finished.email} attended a past survivor panel; ${demoParticipants.partWay.email} registered for one that was then moved`
	);

	const pending = await enrol(demoParticipants.notActivated);
	return {
		alreadyLoaded: false,
		accounts,
		pendingCode: {
			code: pending.code,
			dateOfBirth: demoParticipants.notActivated.dateOfBirth,
			caseNumber: demoParticipants.notActivated.caseNumber
		},
		certificateSerial: so.serial
	};
}

/** "YYYY-MM-DD" `days` after (or before) today where the program is. */
function localDay(timeZone: string, days: number): string {
	const today = utcToZoned(clock.iso(), timeZone).slice(0, 10);
	return new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Two upcoming sessions (scheduled through the service, as a facilitator would), and a past survivor
 * panel that the finished participant attended. The past one is written directly: nothing may be
 * scheduled in the past, and this is history being loaded, not a facilitator's action.
 */
async function addDemoSessions(
	db: Db,
	programId: string,
	facilitator: UserIdentity,
	attendeeEnrollmentId: string,
	registrant: UserIdentity
): Promise<void> {
	const program = await db
		.selectFrom('programs')
		.select('settings_json')
		.where('id', '=', programId)
		.executeTakeFirstOrThrow();
	const { timeZone } = parseProgramSettings(program.settings_json);
	for (const s of demoSessions.upcoming) {
		const day = localDay(timeZone, s.inDays);
		const input = {
			title: s.title,
			kind: s.kind,
			mode: s.mode,
			location: s.location,
			url: s.url,
			startsLocal: `${day}T${s.start}`,
			endsLocal: `${day}T${s.end}`,
			capacity: s.capacity
		};
		const r = await scheduleSession(db, facilitator, { programId, ...input });
		if (!r.ok) throw new Error(`demo session: ${JSON.stringify(r)}`);
		const m = demoSessions.moved;
		if (s.title !== m.title) continue;
		// Registered, then moved a day later by the facilitator, as it would happen (a later instant than the registration).
		if (!(await register(db, registrant, r.id)).ok) throw new Error('demo registration');
		await new Promise((done) => setTimeout(done, 5));
		const movedDay = localDay(timeZone, m.inDays);
		const e = await editSession(db, facilitator, r.id, {
			...input,
			startsLocal: `${movedDay}T${m.start}`,
			endsLocal: `${movedDay}T${m.end}`
		});
		if (!e.ok) throw new Error(`demo session change: ${JSON.stringify(e)}`);
	}
	const p = demoSessions.past;
	const day = localDay(timeZone, -p.daysAgo);
	const startsAt = zonedToUtc(`${day}T${p.start}`, timeZone)!;
	const endsAt = zonedToUtc(`${day}T${p.end}`, timeZone)!;
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('live_sessions')
			.values({
				id,
				program_id: programId,
				title: p.title,
				kind: p.kind,
				mode: 'in_person',
				location: p.location,
				url: null,
				starts_at: startsAt,
				ends_at: endsAt,
				capacity: p.capacity,
				created_by: facilitator.id,
				created_at: startsAt
			})
			.execute();
		await trx
			.insertInto('session_registrations')
			.values({
				session_id: id,
				enrollment_id: attendeeEnrollmentId,
				registered_at: startsAt,
				attendance: 'present',
				participation_grade: 'adequate',
				participation_note: null,
				marked_by: facilitator.id,
				marked_at: endsAt
			})
			.execute();
		await audit(trx, { actorId: null, action: 'demo.session', targetType: 'live_session', targetId: id });
	});
}
