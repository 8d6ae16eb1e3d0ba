import { creditSeconds } from '../../domain/seat-time';
import { clock } from '../clock';
import type { Db } from '../db';
import { groupCommit } from '../db/group-commit';
import type { UserIdentity } from '../users/users.queries';
import { mayStudy, refreshUnlocked } from './unlocks';

export type HeartbeatResult =
	| { ok: true; seatSeconds: number; requiredSeconds: number }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' };

export async function heartbeat(db: Db, user: UserIdentity, moduleId: string): Promise<HeartbeatResult> {
	const access = await mayStudy(db, user, moduleId);
	if (!access.ok) return access;
	const { enrollmentId, module } = access;
	const now = clock.now();
	const nowIso = now.toISOString();
	// Committed with the other beats that arrive with it (../db/group-commit.ts): one disk flush for many.
	const seatSeconds = await groupCommit(db, async (trx) => {
		// Read the enrollment's last heartbeat inside the transaction: concurrent tabs are serialised.
		const e = await trx
			.selectFrom('enrollments')
			.select('seat_last_beat_at')
			.where('id', '=', enrollmentId)
			.executeTakeFirstOrThrow();
		const last = e.seat_last_beat_at;
		// Compare-and-set: on PostgreSQL two tabs may read the same last beat; only one gets the credit.
		const claim = await trx
			.updateTable('enrollments')
			.set({ seat_last_beat_at: nowIso })
			.where('id', '=', enrollmentId)
			.where((eb) => (last === null ? eb('seat_last_beat_at', 'is', null) : eb('seat_last_beat_at', '=', last)))
			.executeTakeFirst();
		const credit = Number(claim.numUpdatedRows) === 1 ? creditSeconds(last ? new Date(last) : null, now) : 0;
		// The credit is added in the database: two beats at once (PostgreSQL) cannot overwrite each other's total.
		const row = await trx
			.insertInto('module_progress')
			.values({
				enrollment_id: enrollmentId,
				module_id: moduleId,
				seat_seconds: credit,
				started_at: nowIso,
				last_activity_at: nowIso,
				completed_at: null
			})
			.onConflict((oc) =>
				oc.columns(['enrollment_id', 'module_id']).doUpdateSet((eb) => ({
					seat_seconds: eb('module_progress.seat_seconds', '+', eb.ref('excluded.seat_seconds')),
					last_activity_at: eb.ref('excluded.last_activity_at')
				}))
			)
			.returning('seat_seconds')
			.executeTakeFirstOrThrow();
		const total = Number(row.seat_seconds);
		// Reaching the module's minimum can complete it and so open the next one: of all beats, only
		// the one that crosses it can change what is unlocked (src/lib/server/learning/unlocks.ts).
		if (total - credit < module.requiredSeconds && total >= module.requiredSeconds)
			await refreshUnlocked(trx, enrollmentId);
		return total;
	});
	return { ok: true, seatSeconds, requiredSeconds: module.requiredSeconds };
}
