import { clock } from '../clock';
import type { Db } from '../db';

export interface LimitPolicy {
	/** Failures allowed inside one window before any block starts. */
	freeFailures: number;
	windowMs: number;
	/** How long to block after the n-th failure (n > freeFailures). */
	blockMs(failures: number): number;
}

const MIN = 60_000;

export const policies = {
	// Staff (CJIS AC-7): 5 failures, then a 30-minute lock that releases itself.
	staffLogin: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	// Participants: a progressive delay, never a long lockout; after 100 failures an hour.
	participantLogin: {
		freeFailures: 4,
		windowMs: 24 * 60 * MIN,
		blockMs: (n: number) => (n >= 100 ? 60 * MIN : Math.min(2 ** (n - 5) * 1000, 15 * MIN))
	},
	// Per address: generous enough for a shared court office, tight enough to stop spraying.
	addressLogin: { freeFailures: 30, windowMs: 15 * MIN, blockMs: () => 15 * MIN },
	enrollmentCode: { freeFailures: 9, windowMs: 15 * MIN, blockMs: () => 15 * MIN },
	verification: { freeFailures: 19, windowMs: 15 * MIN, blockMs: () => 15 * MIN }
} satisfies Record<string, LimitPolicy>;

export type PolicyName = keyof typeof policies;

/** Seconds until the key may try again, or 0. */
export async function retryAfter(db: Db, key: string): Promise<number> {
	const row = await db.selectFrom('rate_limits').select('blocked_until').where('key', '=', key).executeTakeFirst();
	if (!row?.blocked_until) return 0;
	const ms = Date.parse(row.blocked_until) - clock.now().getTime();
	return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

export async function retryAfterAny(db: Db, keys: string[]): Promise<number> {
	let worst = 0;
	for (const k of keys) worst = Math.max(worst, await retryAfter(db, k));
	return worst;
}

export async function recordFailure(db: Db, key: string, policy: LimitPolicy): Promise<void> {
	const now = clock.now();
	const nowIso = now.toISOString();
	await db.transaction().execute(async (trx) => {
		const row = await trx.selectFrom('rate_limits').selectAll().where('key', '=', key).executeTakeFirst();
		const fresh = !row || now.getTime() - Date.parse(row.window_started_at) > policy.windowMs;
		const failures = fresh ? 1 : Number(row!.failures) + 1;
		const blockedUntil =
			failures > policy.freeFailures ? new Date(now.getTime() + policy.blockMs(failures)).toISOString() : null;
		const values = {
			failures,
			window_started_at: fresh ? nowIso : row!.window_started_at,
			blocked_until: blockedUntil,
			updated_at: nowIso
		};
		if (row) await trx.updateTable('rate_limits').set(values).where('key', '=', key).execute();
		else
			await trx
				.insertInto('rate_limits')
				.values({ key, ...values })
				.onConflict((oc) => oc.column('key').doUpdateSet(values))
				.execute();
	});
}

export async function clearFailures(db: Db, key: string): Promise<void> {
	await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
