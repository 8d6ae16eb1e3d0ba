// Walk-ins: a participant of the program who came without registering is added to the roster by
// staff, so that his attendance can be recorded. He is in the room, so capacity does not apply.
import { sessionStatus } from '../../domain/live-sessions';
import { localDate } from '../../domain/program-settings';
import { walkInOpen } from '../../domain/session-changes';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { programSettings, sessionInScope } from './scope';
import { findRegistration, lockSession } from './sessions.queries';

export type WalkInResult =
	{ ok: true } | { ok: false; reason: 'not_found' | 'not_eligible' | 'cancelled' | 'too_early' | 'already_on_roster' };

export async function addWalkIn(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	enrollmentId: string,
	ip?: string
): Promise<WalkInResult> {
	const found = await sessionInScope(db, user, sessionId);
	if (!found) return { ok: false, reason: 'not_found' };
	// Someone of another program looks like nobody at all; one of this program must be active.
	const enrollment = await db
		.selectFrom('enrollments')
		.select(['id', 'program_id', 'status', 'purged_at'])
		.where('id', '=', enrollmentId)
		.executeTakeFirst();
	if (
		!enrollment ||
		enrollment.program_id !== found.program_id ||
		enrollment.status !== 'active' ||
		enrollment.purged_at
	)
		return { ok: false, reason: 'not_eligible' };
	const { timeZone } = await programSettings(db, found.program_id);
	return db.transaction().execute(async (trx): Promise<WalkInResult> => {
		const s = (await lockSession(trx, sessionId))!;
		const now = clock.now();
		const status = sessionStatus(s, now);
		if (status === 'cancelled') return { ok: false, reason: 'cancelled' };
		if (!walkInOpen({ starts_at: s.starts_at, status }, now, (iso) => localDate(iso, timeZone)))
			return { ok: false, reason: 'too_early' };
		const existing = await findRegistration(trx, sessionId, enrollmentId);
		if (existing && !existing.cancelled_at) return { ok: false, reason: 'already_on_roster' };
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
					walk_in_by: user.id
				})
				.where('session_id', '=', sessionId)
				.where('enrollment_id', '=', enrollmentId)
				.execute();
		} else {
			await trx
				.insertInto('session_registrations')
				.values({ session_id: sessionId, enrollment_id: enrollmentId, registered_at: at, walk_in_by: user.id })
				.execute();
		}
		await audit(trx, {
			actorId: user.id,
			action: 'session.walk_in',
			targetType: 'live_session',
			targetId: sessionId,
			ip,
			details: { enrollmentId, status }
		});
		return { ok: true };
	});
}
