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
	// A wrong second-factor code: the same lock as a staff password (the password was already right).
	secondFactor: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	enrollmentCode: { freeFailures: 9, windowMs: 15 * MIN, blockMs: () => 15 * MIN },
	// Per address, checks that find nothing: a wrong serial or code, and every upload that is not an issued
	// file (altered, unknown, unreadable, not a PDF). Serials are sequential, so that one exists is no
	// secret, but "altered" for a forged title must not be an answer one can ask for without end.
	verification: { freeFailures: 19, windowMs: 15 * MIN, blockMs: () => 15 * MIN },
	// Per address, every upload whatever its answer, counted before it is checked (each one hashes up to
	// 5 MB and may need the PDF reader thread). 60 in 15 minutes lets a court clerk check a stack of
	// certificates, one every 15 seconds for a quarter of an hour; the 61st is refused for 15 minutes.
	verificationUpload: { freeFailures: 60, windowMs: 15 * MIN, blockMs: () => 15 * MIN }
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

/** Counts one failure (or, for a policy that counts attempts, one attempt); returns the count in the window. */
export async function recordFailure(db: Db, key: string, policy: LimitPolicy): Promise<number> {
	const now = clock.now();
	const nowIso = now.toISOString();
	const windowStart = new Date(now.getTime() - policy.windowMs).toISOString();
	// One atomic upsert: parallel failures (PostgreSQL runs them concurrently) are all counted.
	const row = await db
		.insertInto('rate_limits')
		.values({ key, failures: 1, window_started_at: nowIso, blocked_until: null, updated_at: nowIso })
		.onConflict((oc) =>
			oc.column('key').doUpdateSet((eb) => ({
				failures: eb.case().when('rate_limits.window_started_at', '<', windowStart).then(1).else(eb('rate_limits.failures', '+', 1)).end(),
				window_started_at: eb.case().when('rate_limits.window_started_at', '<', windowStart).then(nowIso).else(eb.ref('rate_limits.window_started_at')).end(),
				updated_at: nowIso
			}))
		)
		.returning('failures')
		.executeTakeFirstOrThrow();
	const failures = Number(row.failures);
	if (failures > policy.freeFailures) {
		const until = new Date(now.getTime() + policy.blockMs(failures)).toISOString();
		await db.updateTable('rate_limits').set({ blocked_until: until }).where('key', '=', key).execute();
	}
	return failures;
}

export async function clearFailures(db: Db, key: string): Promise<void> {
	await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
