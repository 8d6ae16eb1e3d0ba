import { creditSeconds } from '../../domain/seat-time';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { ownModule } from './participant';

export type HeartbeatResult =
	| { ok: true; seatSeconds: number; requiredSeconds: number }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' };

export async function heartbeat(db: Db, user: UserIdentity, moduleId: string): Promise<HeartbeatResult> {
	const access = await ownModule(db, user, moduleId);
	if (!access.ok) return access;
	const enrollmentId = access.state.enrollment.id;
	const now = clock.now();
	const nowIso = now.toISOString();
	const seatSeconds = await db.transaction().execute(async (trx) => {
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
		const row = await trx
			.selectFrom('module_progress')
			.select('seat_seconds')
			.where('enrollment_id', '=', enrollmentId)
			.where('module_id', '=', moduleId)
			.executeTakeFirst();
		if (!row) {
			await trx
				.insertInto('module_progress')
				.values({
					enrollment_id: enrollmentId,
					module_id: moduleId,
					seat_seconds: credit,
					started_at: nowIso,
					last_activity_at: nowIso,
					completed_at: null
				})
				.execute();
			return credit;
		}
		const total = Number(row.seat_seconds) + credit;
		await trx
			.updateTable('module_progress')
			.set({ seat_seconds: total, last_activity_at: nowIso })
			.where('enrollment_id', '=', enrollmentId)
			.where('module_id', '=', moduleId)
			.execute();
		return total;
	});
	return { ok: true, seatSeconds, requiredSeconds: access.module.requiredSeconds };
}
