import { json } from '@sveltejs/kit';
import { clock } from '../clock';
import { config } from '../config';

// Token buckets against floods of authenticated writes (draft autosave, seat-time heartbeats).
//
// They live in this process's memory, not in the database like the sign-in limits (rate-limit.ts).
// Those count guesses at a secret, so they must hold across app servers and restarts, and they cost a
// write per failure, which sign-in can afford. A flood limit kept in the database would cost a write
// (or a locked read-modify-write) on every request, refused ones included: the flood would reach the
// database it is there to protect. So: per process. With N app servers behind a balancer a user gets
// at most N times the rates below, and a restart refills his buckets; either way what one account
// can make the database do stays bounded. Keyed by user, not session: signing in again does not buy
// a fresh bucket, and his tabs and devices share one (the rates leave room for that).

export interface BucketPolicy {
	/** Requests allowed at once, from a full bucket. */
	burst: number;
	/** Tokens added back per second, up to `burst`. */
	perSecond: number;
}

export const policies = {
	// ReflectionForm.svelte saves one second after typing stops, so even steady typing makes at most
	// about one save a second; ten at once leave room for several prompts on one page.
	draft: { burst: 10, perSecond: 1 },
	// SeatTimer.svelte beats every 15 s and once more each time the page becomes visible. A token every
	// 5 s is three times one tab's pace. It must come back faster than the client beats: then a beat
	// is refused only when another was accepted less than a refill ago, so accepted beats are never
	// more than 15 s apart, within MAX_GAP_SECONDS (src/lib/domain/seat-time.ts), and the next accepted
	// one is credited all the time since (throttle.test.ts simulates it).
	heartbeat: { burst: 8, perSecond: 1 / 5 },
	// Staff documents made on request (the instruction letter, the evidence packet): each is a PDF
	// rendered for the request. A clerk printing a morning's letters needs a handful at once.
	document: { burst: 10, perSecond: 1 / 3 }
} satisfies Record<string, BucketPolicy>;

interface Bucket {
	tokens: number;
	atMs: number;
}

/** Buckets for many keys (user ids); a missing bucket is a full one. */
export class Throttle {
	private buckets = new Map<string, Bucket>();

	constructor(
		readonly policy: BucketPolicy,
		/** Past this many keys, buckets that have refilled are dropped (they equal a missing one). */
		private readonly maxKeys = 10_000
	) {}

	/** Takes a token for `key`: 0 when the request may go ahead, else the whole seconds until one is there. */
	take(key: string): number {
		if (!config.writeThrottle) return 0;
		const now = clock.now().getTime();
		const b = this.refilled(key, now);
		if (b.tokens >= 1) {
			b.tokens -= 1;
			this.store(key, b);
			return 0;
		}
		this.store(key, b);
		return Math.max(1, Math.ceil((1 - b.tokens) / this.policy.perSecond));
	}

	/** How many keys are held (for the tests of the eviction). */
	get size(): number {
		return this.buckets.size;
	}

	/** Test-only: forget every bucket. */
	clear(): void {
		this.buckets.clear();
	}

	private refilled(key: string, now: number): Bucket {
		const b = this.buckets.get(key);
		if (!b) return { tokens: this.policy.burst, atMs: now };
		// A clock moved backwards (tests, NTP) adds nothing rather than taking tokens away.
		const elapsed = Math.max(0, now - b.atMs) / 1000;
		return {
			tokens: Math.min(this.policy.burst, b.tokens + elapsed * this.policy.perSecond),
			atMs: Math.max(now, b.atMs)
		};
	}

	private store(key: string, b: Bucket): void {
		// Re-inserted on every use, so the Map's order is least recently used first.
		this.buckets.delete(key);
		this.buckets.set(key, b);
		if (this.buckets.size <= this.maxKeys) return;
		// Sweep down to 90%, so a sweep is not repeated on every new key.
		const target = Math.floor(this.maxKeys * 0.9);
		const now = clock.now().getTime();
		for (const [k, old] of this.buckets) {
			if (k !== key && old.tokens + (Math.max(0, now - old.atMs) / 1000) * this.policy.perSecond >= this.policy.burst)
				this.buckets.delete(k);
		}
		// Still too many keys all in use at once: drop the least recently used. Each of them then starts
		// again from a full bucket, so the bound per key loosens, but memory stays bounded.
		for (const k of this.buckets.keys()) {
			if (this.buckets.size <= target) break;
			if (k !== key) this.buckets.delete(k);
		}
	}
}

export const throttles = {
	draft: new Throttle(policies.draft),
	heartbeat: new Throttle(policies.heartbeat),
	document: new Throttle(policies.document)
};

/** The answer to a refused request: 429 with Retry-After (whole seconds), and nothing written. */
export function tooManyRequests(retryAfterSeconds: number, message: string): Response {
	return json(
		{ message, retryAfter: retryAfterSeconds },
		{ status: 429, headers: { 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store' } }
	);
}
