import { describe, expect, it } from 'vitest';
import { creditSeconds, MAX_GAP_SECONDS } from './seat-time';

const t0 = new Date('2026-11-22T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('seat-time credit', () => {
	it('credits nothing for the first heartbeat of a stretch', () => {
		expect(creditSeconds(null, t0)).toBe(0);
	});

	it('never credits more than the time elapsed since the last heartbeat', () => {
		expect(creditSeconds(t0, at(15))).toBe(15);
		expect(creditSeconds(t0, at(15.9))).toBe(15);
	});

	it('credits nothing after a gap (a hidden, idle or locked page)', () => {
		expect(creditSeconds(t0, at(MAX_GAP_SECONDS + 1))).toBe(0);
		expect(creditSeconds(t0, at(600))).toBe(0);
	});

	it('credits nothing for a heartbeat from the past (clock skew, replays)', () => {
		expect(creditSeconds(at(30), t0)).toBe(0);
	});
});
