import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { creditSeconds, HEARTBEAT_INTERVAL_SECONDS, MAX_GAP_SECONDS } from '../../domain/seat-time';
import { clock } from '../clock';
import { policies, Throttle, tooManyRequests, type BucketPolicy } from './throttle';

const T0 = new Date('2026-03-02T15:00:00Z');

beforeEach(() => clock.set(T0));
afterEach(() => clock.set(null));

/** Sends `n` requests spread evenly over `ms`; returns the answers (0 = accepted, else seconds to wait). */
function flood(t: Throttle, key: string, n: number, ms: number): number[] {
	const out: number[] = [];
	for (let i = 0; i < n; i++) {
		out.push(t.take(key));
		clock.advance(ms / n);
	}
	return out;
}

describe('draft autosave throttle', () => {
	it('refuses the eleventh save at once and says to wait one second', () => {
		const t = new Throttle(policies.draft);
		expect(flood(t, 'u1', 10, 0)).toEqual(Array(10).fill(0));
		expect(t.take('u1')).toBe(1);
	});

	it('refuses most of 400 saves in 1.5 s: ten at once, then one a second', () => {
		const t = new Throttle(policies.draft);
		const answers = flood(t, 'u1', 400, 1500);
		const accepted = answers.filter((a) => a === 0).length;
		expect(accepted).toBe(11);
		expect(answers.filter((a) => a > 0).every((a) => a === 1)).toBe(true);
	});

	it('lets a person typing at the client pace through every time (one save a second after he stops)', () => {
		const t = new Throttle(policies.draft);
		// Types for half a second, pauses a second (the autosave fires), for ten minutes.
		for (let i = 0; i < 400; i++) {
			clock.advance(500);
			expect(t.take('u1')).toBe(0);
			clock.advance(1000);
		}
	});

	it('keeps one user apart from another', () => {
		const t = new Throttle(policies.draft);
		flood(t, 'u1', 50, 0);
		expect(t.take('u1')).toBeGreaterThan(0);
		expect(t.take('u2')).toBe(0);
	});

	it('gives tokens back over time, never more than the burst', () => {
		const t = new Throttle(policies.draft);
		flood(t, 'u1', 10, 0);
		clock.advance(3000);
		expect(flood(t, 'u1', 4, 0)).toEqual([0, 0, 0, 1]);
		clock.advance(3_600_000);
		expect(flood(t, 'u1', 11, 0).filter((a) => a === 0)).toHaveLength(10);
	});

	it('adds nothing when the clock is set back', () => {
		const t = new Throttle(policies.draft);
		flood(t, 'u1', 10, 0);
		clock.set(new Date(T0.getTime() - 60_000));
		expect(t.take('u1')).toBe(1);
	});
});

describe('heartbeat throttle and seat time', () => {
	it('refuses a flood of heartbeats and says when the next token comes (at most 5 s)', () => {
		const t = new Throttle(policies.heartbeat);
		const answers = flood(t, 'u1', 100, 1000);
		expect(answers.filter((a) => a === 0)).toHaveLength(8);
		expect(Math.max(...answers)).toBeLessThanOrEqual(5);
		expect(Math.min(...answers.filter((a) => a > 0))).toBeGreaterThanOrEqual(1);
	});

	it('refills faster than the client beats', () => {
		expect(1 / policies.heartbeat.perSecond).toBeLessThanOrEqual(HEARTBEAT_INTERVAL_SECONDS);
		expect(HEARTBEAT_INTERVAL_SECONDS).toBeLessThan(MAX_GAP_SECONDS);
	});

	/**
	 * Ten minutes of a tab beating every 15 s while a second tab (or a script) of the same person
	 * floods the endpoint 20 times a second: what the server credits (creditSeconds over the accepted
	 * beats, as seat-time.service.ts does) against the time from the first accepted beat to the last.
	 * Whole-second steps, so creditSeconds' rounding down plays no part.
	 */
	function creditUnderFlood(policy: BucketPolicy) {
		const t = new Throttle(policy);
		let first: Date | null = null;
		let last: Date | null = null;
		let credited = 0;
		let refused = 0;
		let longestGap = 0;
		for (let s = 0; s <= 600; s++) {
			const beats = 20 + (s % HEARTBEAT_INTERVAL_SECONDS === 0 ? 1 : 0);
			for (let i = 0; i < beats; i++) {
				if (t.take('u1') > 0) {
					refused++;
					continue;
				}
				const now = clock.now();
				credited += creditSeconds(last, now);
				if (last) longestGap = Math.max(longestGap, (now.getTime() - last.getTime()) / 1000);
				first ??= now;
				last = now;
			}
			clock.advance(1000);
		}
		return { credited, elapsed: (last!.getTime() - first!.getTime()) / 1000, refused, longestGap };
	}

	it('loses no seat time to refused heartbeats: the next accepted one is credited all the time since', () => {
		const r = creditUnderFlood(policies.heartbeat);
		expect(r.refused).toBeGreaterThan(10_000);
		expect(r.longestGap).toBeLessThanOrEqual(HEARTBEAT_INTERVAL_SECONDS);
		expect(r.credited).toBe(r.elapsed);
	});

	it('would lose seat time with a refill slower than the heartbeat (why the policy is what it is)', () => {
		const r = creditUnderFlood({ burst: 8, perSecond: 1 / 60 });
		expect(r.credited).toBeLessThan(r.elapsed);
	});
});

describe('staff documents made on request', () => {
	it('lets a clerk print ten letters at once, then one every three seconds', () => {
		const t = new Throttle(policies.document);
		expect(flood(t, 'clerk', 10, 100).every((w) => w === 0)).toBe(true);
		expect(t.take('clerk')).toBe(3);
		clock.advance(3000);
		expect(t.take('clerk')).toBe(0);
	});
});

describe('memory', () => {
	it('holds no more keys than its limit, dropping refilled buckets first', () => {
		const t = new Throttle(policies.draft, 100);
		flood(t, 'busy', 20, 0);
		for (let i = 0; i < 500; i++) t.take(`idle-${i}`);
		expect(t.size).toBeLessThanOrEqual(100);
		clock.advance(3_600_000);
		for (let i = 0; i < 500; i++) t.take(`later-${i}`);
		expect(t.size).toBeLessThanOrEqual(100);
	});

	it('drops refilled buckets, not one in use, when it sweeps', () => {
		const t = new Throttle(policies.draft, 10);
		flood(t, 'busy', 10, 0);
		for (let i = 0; i < 9; i++) t.take(`idle-${i}`);
		clock.advance(10_000);
		// The idle buckets are full again and go; the busy one (refilled too, but just used) stays empty.
		flood(t, 'busy', 10, 0);
		t.take('new-key');
		expect(t.take('busy')).toBe(1);
	});
});

describe('the refusal', () => {
	it('is a 429 with Retry-After in whole seconds and a message', async () => {
		const res = tooManyRequests(3, 'Too many saves. Wait a moment.');
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('3');
		expect(await res.json()).toEqual({ message: 'Too many saves. Wait a moment.', retryAfter: 3 });
	});
});

describe('WRITE_THROTTLE=off (benchmarks only)', () => {
	afterEach(() => {
		delete process.env.WRITE_THROTTLE;
	});

	it('lets every request through while it is off, and limits again once it is not', () => {
		const t = new Throttle(policies.draft);
		process.env.WRITE_THROTTLE = 'off';
		expect(flood(t, 'bench', 400, 0).every((w) => w === 0)).toBe(true);
		process.env.WRITE_THROTTLE = 'on';
		expect(flood(t, 'bench', 11, 0).at(-1)).toBe(1);
	});
});
