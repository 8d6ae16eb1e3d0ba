import { describe, expect, it } from 'vitest';
import { longDate, shortDate } from './format';

describe('dates as pages and PDFs print them', () => {
	it('prints a calendar date as written, whatever the zone', () => {
		expect(longDate('2026-06-10')).toBe('June 10, 2026');
		expect(longDate('2026-06-10', 'America/Chicago')).toBe('June 10, 2026');
		expect(longDate('2026-06-10', 'Pacific/Kiritimati')).toBe('June 10, 2026');
	});

	it("prints an instant as the day it was in the program's zone", () => {
		// 03:30 UTC on the 11th is still the evening of the 10th in Saint Paul.
		expect(longDate('2026-06-11T03:30:00.000Z', 'America/Chicago')).toBe('June 10, 2026');
		expect(longDate('2026-06-11T03:30:00.000Z')).toBe('June 11, 2026');
	});

	it('shortens for tables', () => {
		expect(shortDate('2026-11-22')).toBe('Nov 22, 2026');
		expect(shortDate('2026-11-22T23:59:00.000Z')).toBe('Nov 22, 2026');
	});
});
