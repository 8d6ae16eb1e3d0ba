// Retention (README, "Data and privacy"): once a program's retention period has run since a
// case ended, the participant's personal data is removed, while the certificate registry keeps what
// verification needs (serial, code hash, file hash, status, key ids, signature, program and court,
// completion date). Removal blanks or deletes in place rather than deleting the enrollment, so counts,
// scores, attendance and the audit chain stay whole. Nothing here is reachable from a route: the
// server runs it daily and an operator runs `npm run cli -- data:purge`.
import { parseStoredFacts, type CertificateFacts } from '../../domain/certificate-facts';
import { parseProgramSettings } from '../../domain/program-settings';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';

const DAY_MS = 86_400_000;

export interface PurgeCandidate {
	enrollmentId: string;
	programId: string;
	/** Completed: the completion or the last certificate issue. Otherwise: the due date or the last activity. */
	caseEndedAt: string;
	retentionDays: number;
	/** When the retention period ends (has ended, for a candidate that is due). */
	dueAt: string;
}

/** A due date (YYYY-MM-DD) counts until the end of that day. */
function endOfDay(date: string): string {
	return `${date}T23:59:59.999Z`;
}

function latest(values: (string | null | undefined)[]): string {
	return values.filter((x): x is string => !!x).reduce((a, b) => (b > a ? b : a));
}

/**
 * Enrollments whose personal data is due for removal at `now` (or within `withinDays` after it, for
 * a preview). A completed case ended at completion (or at a later reissue); any other counts from its
 * due date or its last activity, whichever is later, so an abandoned referral is removed too, but
 * never while it is still running.
 */
export async function purgeCandidates(
	db: Db,
	now: Date,
	withinDays = 0,
	programIds?: string[]
): Promise<PurgeCandidate[]> {
	if (programIds?.length === 0) return [];
	let programQuery = db.selectFrom('programs').select(['id', 'settings_json']);
	if (programIds) programQuery = programQuery.where('id', 'in', programIds);
	const programs = await programQuery.execute();
	const retention = new Map(programs.map((p) => [p.id, parseProgramSettings(p.settings_json).retentionDays]));
	let enrollments = db
		.selectFrom('enrollments')
		.leftJoin('certificates', 'certificates.enrollment_id', 'enrollments.id');
	if (programIds) enrollments = enrollments.where('enrollments.program_id', 'in', programIds);
	const rows = await enrollments
		.select((eb) => [
			'enrollments.id',
			'enrollments.program_id',
			'enrollments.status',
			'enrollments.completed_at',
			'enrollments.due_date',
			'enrollments.seat_last_beat_at',
			'enrollments.created_at',
			eb.fn.max('certificates.issued_at').as('last_issued_at')
		])
		.where('enrollments.purged_at', 'is', null)
		.groupBy([
			'enrollments.id',
			'enrollments.program_id',
			'enrollments.status',
			'enrollments.completed_at',
			'enrollments.due_date',
			'enrollments.seat_last_beat_at',
			'enrollments.created_at'
		])
		.execute();
	const horizon = now.getTime() + withinDays * DAY_MS;
	const due: PurgeCandidate[] = [];
	for (const r of rows) {
		const days = retention.get(r.program_id)!;
		const caseEndedAt =
			r.status === 'completed' && r.completed_at
				? latest([r.completed_at, r.last_issued_at as string | null])
				: latest([endOfDay(r.due_date), r.seat_last_beat_at, r.created_at]);
		const dueAt = new Date(new Date(caseEndedAt).getTime() + days * DAY_MS);
		if (dueAt.getTime() <= horizon)
			due.push({
				enrollmentId: r.id,
				programId: r.program_id,
				caseEndedAt,
				retentionDays: days,
				dueAt: dueAt.toISOString()
			});
	}
	return due.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/**
 * The facts a purged certificate keeps: enough to say what was completed where and when, not by whom.
 * Version 2's registration number stays, like the serial: the program's own number, which nothing
 * left in the database links to a person; its offence date goes with the offence.
 */
export function redactFacts(f: CertificateFacts, purgedAt: string): CertificateFacts & { purgedAt: string } {
	const common = {
		participantName: '',
		dateOfBirth: '',
		caseNumber: '',
		offence: null,
		attestation: { name: '', signedAt: f.attestation.signedAt },
		purgedAt
	};
	return f.v === 2 ? { ...f, ...common, offenceDate: null } : { ...f, ...common };
}

export type PurgeOutcome = { purged: true; certificates: number } | { purged: false };

/**
 * Removes one enrollment's personal data, in one transaction with its audit entry. Checked again
 * inside the transaction, so two runs at once (the daily timer and an operator) purge it once.
 */
export async function purgeEnrollment(
	db: Db,
	candidate: PurgeCandidate,
	actorId: string | null = null
): Promise<PurgeOutcome> {
	return db.transaction().execute(async (trx): Promise<PurgeOutcome> => {
		const at = clock.iso();
		// The conditional update is the claim: whoever sets purged_at first does the rest.
		const claimed = await trx
			.updateTable('enrollments')
			.set({
				legal_name: '',
				date_of_birth: '',
				// (court, case number) is unique: each purged row needs its own placeholder.
				case_number: `purged:${candidate.enrollmentId}`,
				offence: null,
				offence_date: null,
				email: null,
				phone: null,
				attestation_name: null,
				purged_at: at
			})
			.where('id', '=', candidate.enrollmentId)
			.where('purged_at', 'is', null)
			.executeTakeFirst();
		if (Number(claimed.numUpdatedRows) === 0) return { purged: false };
		const id = candidate.enrollmentId;
		const e = await trx.selectFrom('enrollments').select(['user_id']).where('id', '=', id).executeTakeFirstOrThrow();

		await trx.deleteFrom('case_notes').where('enrollment_id', '=', id).execute();
		await trx.deleteFrom('reflection_drafts').where('enrollment_id', '=', id).execute();
		const submissions = trx.selectFrom('reflection_submissions').select('id').where('enrollment_id', '=', id);
		await trx
			.updateTable('reflection_grades')
			.set({ feedback: '' })
			.where('submission_id', 'in', submissions)
			.execute();
		await trx.updateTable('reflection_submissions').set({ body: '' }).where('enrollment_id', '=', id).execute();
		await trx
			.updateTable('quiz_attempts')
			.set({ answers_json: null, results_json: null })
			.where('enrollment_id', '=', id)
			.execute();
		await trx.updateTable('quiz_unlocks').set({ reason: '' }).where('enrollment_id', '=', id).execute();
		await trx
			.updateTable('session_registrations')
			.set({ participation_note: null })
			.where('enrollment_id', '=', id)
			.execute();
		await trx.updateTable('due_date_extensions').set({ order_reference: '' }).where('enrollment_id', '=', id).execute();
		await trx
			.updateTable('correction_requests')
			.set({ body: '', response: null })
			.where('enrollment_id', '=', id)
			.execute();
		await trx
			.updateTable('safety_flags')
			.set({ note: null, resolution: null })
			.where('enrollment_id', '=', id)
			.execute();

		const certificates = await trx
			.selectFrom('certificates')
			.select(['id', 'facts_json'])
			.where('enrollment_id', '=', id)
			.execute();
		for (const c of certificates) {
			const facts = redactFacts(parseStoredFacts(c.facts_json), at);
			await trx
				.updateTable('certificates')
				.set({ facts_json: JSON.stringify(facts) })
				.where('id', '=', c.id)
				.execute();
		}
		// The issued files carry the name, date of birth and case number: a verifier's upload still
		// matches by the SHA-256 the registry keeps.
		if (certificates.length)
			await trx
				.deleteFrom('certificate_files')
				.where(
					'certificate_id',
					'in',
					certificates.map((c) => c.id)
				)
				.execute();
		// Corrections of his certificates keep which fields changed, not the old and new values or the reason.
		const corrections = await trx
			.selectFrom('certificate_corrections')
			.select(['id', 'changes_json'])
			.where('enrollment_id', '=', id)
			.execute();
		for (const k of corrections) {
			const fields = (JSON.parse(k.changes_json) as { field: string }[]).map((x) => ({
				field: x.field,
				old: null,
				new: null
			}));
			await trx
				.updateTable('certificate_corrections')
				.set({ reason: '', changes_json: JSON.stringify(fields) })
				.where('id', '=', k.id)
				.execute();
		}

		if (e.user_id) {
			const roles = await trx.selectFrom('user_roles').select('role').where('user_id', '=', e.user_id).execute();
			// A staff member who was also a participant keeps the staff account; only the course side goes.
			if (roles.every((r) => r.role === 'participant')) {
				await trx
					.updateTable('users')
					.set({
						email: `purged-${e.user_id}@purged.invalid`,
						name: '',
						title: null,
						password_hash: '!purged',
						totp_key: null,
						totp_last_step: null,
						disabled_at: at
					})
					.where('id', '=', e.user_id)
					.execute();
				await trx.deleteFrom('sessions').where('user_id', '=', e.user_id).execute();
			}
		}
		await audit(trx, {
			actorId,
			action: 'retention.purge',
			targetType: 'enrollment',
			targetId: id,
			details: {
				retentionDays: candidate.retentionDays,
				caseEndedAt: candidate.caseEndedAt,
				certificates: certificates.length
			}
		});
		return { purged: true, certificates: certificates.length };
	});
}

export interface PurgeRun {
	purged: number;
	certificates: number;
	/** Already purged by a run at the same moment. */
	skipped: number;
}

/** Purges everything due at `now`; each enrollment in its own transaction, oldest first. */
export async function purgeDue(db: Db, now: Date = clock.now(), actorId: string | null = null): Promise<PurgeRun> {
	const run: PurgeRun = { purged: 0, certificates: 0, skipped: 0 };
	for (const c of await purgeCandidates(db, now)) {
		const r = await purgeEnrollment(db, c, actorId);
		if (r.purged) {
			run.purged++;
			run.certificates += r.certificates;
		} else run.skipped++;
	}
	return run;
}

/** Runs purgeDue once a day (and shortly after start); the timer never keeps the process alive. */
export function scheduleDailyPurge(getDb: () => Promise<Db>, log: (line: string) => void = console.log): () => void {
	let running = false;
	const tick = async () => {
		if (running) return;
		running = true;
		try {
			const r = await purgeDue(await getDb());
			if (r.purged)
				log(`[retention] removed the personal data of ${r.purged} enrollment(s) past their retention period`);
		} catch (e) {
			console.error('[retention] the daily purge failed', e);
		} finally {
			running = false;
		}
	};
	const first = setTimeout(tick, 60_000);
	const daily = setInterval(tick, DAY_MS);
	first.unref();
	daily.unref();
	return () => {
		clearTimeout(first);
		clearInterval(daily);
	};
}

/** For a program's admin: the period, what falls due in the next 30 days, and what was removed. */
export async function retentionSummary(db: Db, programId: string, now: Date = clock.now()) {
	const program = await db
		.selectFrom('programs')
		.select('settings_json')
		.where('id', '=', programId)
		.executeTakeFirstOrThrow();
	const [soon, purged] = await Promise.all([
		purgeCandidates(db, now, 30, [programId]),
		db
			.selectFrom('enrollments')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('program_id', '=', programId)
			.where('purged_at', 'is not', null)
			.executeTakeFirstOrThrow()
	]);
	return {
		retentionDays: parseProgramSettings(program.settings_json).retentionDays,
		dueWithin30Days: soon.length,
		purged: Number(purged.n)
	};
}
