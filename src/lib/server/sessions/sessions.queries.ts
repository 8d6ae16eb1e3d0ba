// SQL for live sessions only; the rules live in sessions.service.ts.
import type { Db } from '../db';
import type { LiveSessionsTable } from '../db/schema';

export type LiveSessionRow = LiveSessionsTable;

export async function findSession(db: Db, id: string): Promise<LiveSessionRow | undefined> {
	return db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Takes the session's row lock for the rest of the transaction and returns the row as it is now.
 * A no-op UPDATE does it on both databases: PostgreSQL locks the row (a second registration waits
 * here, then reads the first one's committed seat), SQLite takes its write lock at once. Every
 * transaction that changes a session's registrations starts here, so seats are counted one
 * transaction at a time.
 */
export async function lockSession(trx: Db, id: string): Promise<LiveSessionRow | undefined> {
	return trx
		.updateTable('live_sessions')
		.set((eb) => ({ capacity: eb.ref('capacity') }))
		.where('id', '=', id)
		.returningAll()
		.executeTakeFirst();
}

export async function activeRegistrationCount(db: Db, sessionId: string): Promise<number> {
	const row = await db
		.selectFrom('session_registrations')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('session_id', '=', sessionId)
		.where('cancelled_at', 'is', null)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** Per session: active registrations, and how many of them have attendance marked (one query). */
export async function registrationCounts(
	db: Db,
	sessionIds: string[]
): Promise<Map<string, { registered: number; marked: number }>> {
	if (!sessionIds.length) return new Map();
	const rows = await db
		.selectFrom('session_registrations')
		.select((eb) => [
			'session_id',
			eb.fn.countAll<number>().as('registered'),
			eb.fn.count<number>('attendance').as('marked') // count(column) skips NULLs: unmarked rows
		])
		.where('session_id', 'in', sessionIds)
		.where('cancelled_at', 'is', null)
		.groupBy('session_id')
		.execute();
	return new Map(rows.map((r) => [r.session_id, { registered: Number(r.registered), marked: Number(r.marked) }]));
}

export async function findRegistration(db: Db, sessionId: string, enrollmentId: string) {
	return db
		.selectFrom('session_registrations')
		.selectAll()
		.where('session_id', '=', sessionId)
		.where('enrollment_id', '=', enrollmentId)
		.executeTakeFirst();
}

export async function programSessions(
	db: Db,
	programIds: string[],
	opts: { endedBefore?: string; endingAfter?: string; limit?: number }
) {
	let q = db.selectFrom('live_sessions').selectAll().where('program_id', 'in', programIds);
	if (opts.endingAfter) q = q.where('ends_at', '>', opts.endingAfter).orderBy('starts_at', 'asc');
	if (opts.endedBefore) q = q.where('ends_at', '<=', opts.endedBefore).orderBy('starts_at', 'desc');
	return q.limit(opts.limit ?? 100).execute();
}

/** The roster: active registrations with the participant's name and case number. */
export async function roster(db: Db, sessionId: string) {
	return db
		.selectFrom('session_registrations')
		.innerJoin('enrollments', 'enrollments.id', 'session_registrations.enrollment_id')
		.select([
			'session_registrations.enrollment_id',
			'session_registrations.registered_at',
			'session_registrations.attendance',
			'session_registrations.participation_grade',
			'session_registrations.participation_note',
			'session_registrations.marked_at',
			'session_registrations.walk_in_by',
			'enrollments.legal_name',
			'enrollments.case_number'
		])
		.where('session_registrations.session_id', '=', sessionId)
		.where('session_registrations.cancelled_at', 'is', null)
		.orderBy('enrollments.legal_name')
		.execute();
}

/** Active enrollments of the program not on the session's roster: who can be added as a walk-in. */
export async function walkInCandidates(db: Db, programId: string, sessionId: string) {
	return db
		.selectFrom('enrollments')
		.select(['id', 'legal_name', 'case_number'])
		.where('program_id', '=', programId)
		.where('status', '=', 'active')
		.where('purged_at', 'is', null)
		.where('id', 'not in', (eb) =>
			eb
				.selectFrom('session_registrations')
				.select('enrollment_id')
				.where('session_id', '=', sessionId)
				.where('cancelled_at', 'is', null)
		)
		.orderBy('legal_name')
		.limit(1000)
		.execute();
}

/**
 * His active, unmarked registrations for sessions that have not ended and were cancelled or changed
 * at some time: the candidates for a notice (the service keeps those changed after he registered).
 */
export async function changedRegistrations(db: Db, enrollmentId: string, nowIso: string) {
	return db
		.selectFrom('session_registrations')
		.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
		.selectAll('live_sessions')
		.select('session_registrations.registered_at')
		.where('session_registrations.enrollment_id', '=', enrollmentId)
		.where('session_registrations.cancelled_at', 'is', null)
		.where('session_registrations.attendance', 'is', null)
		.where('live_sessions.ends_at', '>', nowIso)
		.where((eb) =>
			eb.or([
				eb('live_sessions.cancelled_at', 'is not', null),
				eb('live_sessions.time_changed_at', 'is not', null),
				eb('live_sessions.place_changed_at', 'is not', null)
			])
		)
		.orderBy('live_sessions.starts_at')
		.execute();
}

/** One participant's registrations (active or cancelled), with the kind of each session. */
export async function enrollmentRegistrations(db: Db, enrollmentId: string) {
	return db
		.selectFrom('session_registrations')
		.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
		.selectAll('session_registrations')
		.select('live_sessions.kind')
		.where('session_registrations.enrollment_id', '=', enrollmentId)
		.execute();
}

export async function programsById(
	db: Db,
	programIds: string[]
): Promise<Map<string, { name: string; settingsJson: string }>> {
	if (!programIds.length) return new Map();
	const rows = await db
		.selectFrom('programs')
		.select(['id', 'name', 'settings_json'])
		.where('id', 'in', programIds)
		.execute();
	return new Map(rows.map((r) => [r.id, { name: r.name, settingsJson: r.settings_json }]));
}
