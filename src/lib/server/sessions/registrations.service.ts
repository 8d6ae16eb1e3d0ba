// Live sessions, the participant side: the sessions of his own program, register and cancel. A
// participant reaches only his own enrollment; anyone else (staff included) gets "not found".
import { ATTENDANCE_LABELS, attendanceCounts, sessionKindLabel, sessionStatus } from '../../domain/live-sessions';
import { formatSessionTime } from '../../domain/local-time';
import { changeNotice, changeSinceRegistration } from '../../domain/session-changes';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import { loadCourseState } from '../learning/evidence';
import { findOwnEnrollment } from '../learning/participant';
import type { UserIdentity } from '../users/users.queries';
import {
	activeRegistrationCount,
	changedRegistrations,
	enrollmentRegistrations,
	findRegistration,
	findSession,
	lockSession,
	registrationCounts
} from './sessions.queries';

/** His program's sessions that have not ended, the ones he signed up for, and his requirement. */
export async function participantSessions(db: Db, user: UserIdentity) {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return undefined;
	const now = clock.now();
	const [state, open, regs] = await Promise.all([
		loadCourseState(db, enrollment),
		db
			.selectFrom('live_sessions')
			.selectAll()
			.where('program_id', '=', enrollment.program_id)
			.where('ends_at', '>', now.toISOString())
			.orderBy('starts_at')
			.limit(60)
			.execute(),
		enrollmentRegistrations(db, enrollment.id)
	]);
	const { timeZone, lateCountsAsPresent, requiredSessionKinds } = state.settings;
	const mine = new Map(regs.filter((r) => !r.cancelled_at).map((r) => [r.session_id, r]));
	const counts = await registrationCounts(
		db,
		open.map((s) => s.id)
	);
	const active = enrollment.status === 'active';

	const upcoming = open
		// A cancelled session stays on the page of those who had registered, marked as cancelled;
		// one whose attendance he already has moves to his history.
		.filter((s) => (!s.cancelled_at || mine.has(s.id)) && !mine.get(s.id)?.attendance)
		.map((s) => {
			const registered = mine.has(s.id);
			const status = sessionStatus(s, now);
			const seatsLeft = Math.max(0, Number(s.capacity) - (counts.get(s.id)?.registered ?? 0));
			const when = formatSessionTime(s.starts_at, s.ends_at, timeZone);
			// A change made after he registered is spelled out on his card (a cancellation shows as its badge).
			const change = registered ? changeSinceRegistration(s, mine.get(s.id)!.registered_at) : null;
			return {
				id: s.id,
				title: s.title,
				kind: s.kind,
				kindLabel: sessionKindLabel(s.kind),
				required: requiredSessionKinds.includes(s.kind),
				mode: s.mode,
				location: s.location,
				// The link is for those who hold a seat.
				url: registered && status !== 'cancelled' ? s.url : null,
				when,
				status,
				changeNotice:
					change && !change.cancelled
						? changeNotice({ ...change, title: s.title, when, mode: s.mode, location: s.location })
						: null,
				seatsLeft,
				registered,
				canRegister: active && !registered && status !== 'cancelled' && seatsLeft > 0,
				canCancel: registered && status === 'upcoming'
			};
		});

	const marked = [...mine.values()].filter((r) => r.attendance).map((r) => r.session_id);
	const past = await db
		.selectFrom('live_sessions')
		.selectAll()
		.where('id', 'in', mine.size ? [...mine.keys()] : ['-'])
		.where((eb) => eb.or([eb('ends_at', '<=', now.toISOString()), eb('id', 'in', marked.length ? marked : ['-'])]))
		.orderBy('starts_at', 'desc')
		.execute();
	const history = past.map((s) => {
		const r = mine.get(s.id)!;
		return {
			id: s.id,
			title: s.title,
			kindLabel: sessionKindLabel(s.kind),
			when: formatSessionTime(s.starts_at, s.ends_at, timeZone),
			cancelled: !!s.cancelled_at,
			required: requiredSessionKinds.includes(s.kind),
			attendanceLabel: r.attendance ? ATTENDANCE_LABELS[r.attendance] : 'Not recorded yet',
			counts: attendanceCounts(r.attendance, lateCountsAsPresent)
		};
	});

	// The same rule as the completion evidence: a marked, non-cancelled registration of that kind.
	const kindsAttended = new Set(
		regs.filter((r) => !r.cancelled_at && attendanceCounts(r.attendance, lateCountsAsPresent)).map((r) => r.kind)
	);
	const requirement = state.requirements.find((r) => r.key === 'sessions')!;
	return {
		timeZone,
		lateCountsAsPresent,
		enrollmentActive: active,
		required: requiredSessionKinds.map((kind) => ({
			kind,
			label: sessionKindLabel(kind),
			met: kindsAttended.has(kind)
		})),
		requirementMet: requirement.met,
		upcoming,
		history
	};
}

/**
 * What he must know about sessions he registered for: cancelled, or moved in time or place after he
 * registered. Shown until the session has passed; not for a registration he gave back, nor once
 * his attendance is marked (he was there).
 */
export async function sessionNotices(db: Db, enrollmentId: string, timeZone: string) {
	const rows = await changedRegistrations(db, enrollmentId, clock.iso());
	return rows.flatMap((r) => {
		const change = changeSinceRegistration(r, r.registered_at);
		if (!change) return [];
		const when = formatSessionTime(r.starts_at, r.ends_at, timeZone);
		return [
			{
				sessionId: r.id,
				cancelled: change.cancelled,
				text: changeNotice({ ...change, title: r.title, when, mode: r.mode, location: r.location })
			}
		];
	});
}

export type RegisterResult =
	{ ok: true; already: boolean } | { ok: false; reason: 'not_found' | 'not_active' | 'cancelled' | 'ended' | 'full' };

/**
 * Takes a seat. The session row is locked first (see lockSession), then the seats are counted and
 * the registration written in the same transaction: concurrent requests for the last seat queue on
 * the lock, and only the first finds a seat free. Registering again after cancelling reuses the row.
 */
export async function register(db: Db, user: UserIdentity, sessionId: string, ip?: string): Promise<RegisterResult> {
	const enrollment = await findOwnEnrollment(db, user);
	const found = enrollment && (await findSession(db, sessionId));
	if (!enrollment || !found || found.program_id !== enrollment.program_id) return { ok: false, reason: 'not_found' };
	if (enrollment.status !== 'active') return { ok: false, reason: 'not_active' };
	return db.transaction().execute(async (trx): Promise<RegisterResult> => {
		const s = (await lockSession(trx, sessionId))!;
		const status = sessionStatus(s, clock.now());
		if (status === 'cancelled') return { ok: false, reason: 'cancelled' };
		if (status === 'ended') return { ok: false, reason: 'ended' };
		const existing = await findRegistration(trx, sessionId, enrollment.id);
		if (existing && !existing.cancelled_at) return { ok: true, already: true };
		if ((await activeRegistrationCount(trx, sessionId)) >= Number(s.capacity)) return { ok: false, reason: 'full' };
		const at = clock.iso();
		if (existing) {
			await trx
				.updateTable('session_registrations')
				.set({
					registered_at: at,
					cancelled_at: null,
					attendance: null,
					participation_grade: null,
					participation_note: null,
					marked_by: null,
					marked_at: null,
					walk_in_by: null
				})
				.where('session_id', '=', sessionId)
				.where('enrollment_id', '=', enrollment.id)
				.execute();
		} else {
			await trx
				.insertInto('session_registrations')
				.values({ session_id: sessionId, enrollment_id: enrollment.id, registered_at: at })
				.execute();
		}
		await audit(trx, {
			actorId: user.id,
			action: 'session.register',
			targetType: 'live_session',
			targetId: sessionId,
			ip,
			details: { enrollmentId: enrollment.id }
		});
		return { ok: true, already: false };
	});
}

export type UnregisterResult = { ok: true } | { ok: false; reason: 'not_found' | 'started' };

/** Gives the seat back, before the session starts. Cancelling twice is not an error. */
export async function cancelRegistration(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	ip?: string
): Promise<UnregisterResult> {
	const enrollment = await findOwnEnrollment(db, user);
	const found = enrollment && (await findSession(db, sessionId));
	if (!enrollment || !found || found.program_id !== enrollment.program_id) return { ok: false, reason: 'not_found' };
	return db.transaction().execute(async (trx): Promise<UnregisterResult> => {
		const s = (await lockSession(trx, sessionId))!;
		const existing = await findRegistration(trx, sessionId, enrollment.id);
		if (!existing || existing.cancelled_at) return { ok: true };
		const status = sessionStatus(s, clock.now());
		if (status === 'in_progress' || status === 'ended' || existing.attendance) return { ok: false, reason: 'started' };
		await trx
			.updateTable('session_registrations')
			.set({ cancelled_at: clock.iso() })
			.where('session_id', '=', sessionId)
			.where('enrollment_id', '=', enrollment.id)
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'session.unregister',
			targetType: 'live_session',
			targetId: sessionId,
			ip,
			details: { enrollmentId: enrollment.id }
		});
		return { ok: true };
	});
}
