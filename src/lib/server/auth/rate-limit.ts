import ipaddr from 'ipaddr.js';
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
	// Sign-in from a browser the account has not used before, per account AND address: 5 failures,
	// then a 30-minute lock that releases itself (CJIS AC-7). The same for every e-mail typed, staff,
	// participant or no account at all, so no answer or wait tells them apart (ASVS 6.3.8).
	loginPair: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	// The same account from every such browser and address (guessing spread over many addresses):
	// a progressive delay from the 21st failure in a day, an hour from the 100th (800-63B-4 §3.2.2).
	loginAccount: {
		freeFailures: 20,
		windowMs: 24 * 60 * MIN,
		blockMs: (n: number) => (n >= 100 ? 60 * MIN : Math.min(2 ** (n - 21) * 1000, 15 * MIN))
	},
	// One address over every account (spraying one password at many): a delay that grows to a
	// minute, never a lock, so a court office behind one NAT is slowed, not shut out.
	loginAddress: { freeFailures: 30, windowMs: 15 * MIN, blockMs: (n: number) => Math.min(2 ** (n - 31) * 1000, MIN) },
	// A browser that already signed in to the account (known-devices.ts): only its own counter applies.
	// Staff: 5 failures, then 30 minutes (CJIS AC-7). Participants: a progressive delay, an hour after 100.
	staffDevice: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	participantDevice: {
		freeFailures: 4,
		windowMs: 24 * 60 * MIN,
		blockMs: (n: number) => (n >= 100 ? 60 * MIN : Math.min(2 ** (n - 5) * 1000, 15 * MIN))
	},
	// A wrong second-factor code: the same lock as a staff password (the password was already right).
	secondFactor: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	// A wrong current password when changing a password or two-factor from a signed-in session.
	reauthentication: { freeFailures: 4, windowMs: 30 * MIN, blockMs: () => 30 * MIN },
	enrollmentCode: { freeFailures: 9, windowMs: 15 * MIN, blockMs: () => 15 * MIN },
	// Activation answers "that address cannot be used" at most 3 times a day per referral.
	emailTaken: { freeFailures: 2, windowMs: 24 * 60 * MIN, blockMs: () => 24 * 60 * MIN },
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

/**
 * The address a limit counts against. One IPv6 subscriber usually holds a whole /64 (2^64 addresses),
 * so counting each address apart would give one person endless fresh counters: IPv6 counts per /64,
 * IPv4 (and IPv4 mapped into IPv6) per address. The audit log keeps the full address.
 */
export function limitAddress(ip: string): string {
	if (!ipaddr.isValid(ip)) return ip.slice(0, 64);
	const parsed = ipaddr.parse(ip);
	if (parsed.kind() === 'ipv4') return parsed.toString();
	const v6 = parsed as ipaddr.IPv6;
	if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
	return `${v6.parts
		.slice(0, 4)
		.map((p) => p.toString(16))
		.join(':')}::/64`;
}

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
				failures: eb
					.case()
					.when('rate_limits.window_started_at', '<', windowStart)
					.then(1)
					.else(eb('rate_limits.failures', '+', 1))
					.end(),
				window_started_at: eb
					.case()
					.when('rate_limits.window_started_at', '<', windowStart)
					.then(nowIso)
					.else(eb.ref('rate_limits.window_started_at'))
					.end(),
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

/** Clears every key that starts with the prefix (all addresses' counters of one account). */
export async function clearFailuresLike(db: Db, prefix: string): Promise<void> {
	await db
		.deleteFrom('rate_limits')
		.where('key', 'like', `${prefix.replace(/[%_\\]/g, '')}%`)
		.execute();
}

/** Counters whose window and block are both over: nothing left to remember (run by the cleanup job). */
export async function deleteStaleLimits(db: Db, olderThanMs = 24 * 60 * MIN): Promise<number> {
	const now = clock.now().getTime();
	const before = new Date(now - olderThanMs).toISOString();
	const r = await db
		.deleteFrom('rate_limits')
		.where('updated_at', '<', before)
		.where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', new Date(now).toISOString())]))
		.executeTakeFirst();
	return Number(r.numDeletedRows);
}
