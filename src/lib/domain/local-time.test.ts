import { describe, expect, it } from 'vitest';
import { formatSessionTime, utcToZoned, zoneName, zonedToUtc } from './local-time';

describe('program-local times', () => {
	it('turns a local time into the UTC instant, in winter and in summer', () => {
		expect(zonedToUtc('2026-11-12T18:00', 'America/Chicago')).toBe('2026-11-13T00:00:00.000Z');
		expect(zonedToUtc('2026-07-01T18:00', 'America/Chicago')).toBe('2026-07-01T23:00:00.000Z');
		expect(zonedToUtc('2026-07-01T18:00', 'UTC')).toBe('2026-07-01T18:00:00.000Z');
		expect(zonedToUtc('2026-07-01T18:00', 'Asia/Kolkata')).toBe('2026-07-01T12:30:00.000Z');
	});

	it('moves a time skipped by spring-forward ahead by the jump, and takes the first of a repeated hour', () => {
		expect(zonedToUtc('2026-03-08T02:30', 'America/Chicago')).toBe('2026-03-08T08:30:00.000Z'); // 3:30 AM CDT
		expect(zonedToUtc('2026-11-01T01:30', 'America/Chicago')).toBe('2026-11-01T06:30:00.000Z'); // 1:30 AM CDT
	});

	it('refuses what is not a real date and time', () => {
		for (const bad of ['2026-02-30T18:00', '2026-13-01T10:00', '2026-01-01T24:00', '2026-01-01 10:00', '', 'tomorrow'])
			expect(zonedToUtc(bad, 'America/Chicago')).toBeNull();
	});

	it('round-trips through the value a datetime-local input takes', () => {
		expect(utcToZoned('2026-11-13T00:00:00.000Z', 'America/Chicago')).toBe('2026-11-12T18:00');
		expect(utcToZoned(zonedToUtc('2026-03-08T03:15', 'America/Chicago')!, 'America/Chicago')).toBe('2026-03-08T03:15');
	});

	it('formats a session as people where it runs read it', () => {
		expect(formatSessionTime('2026-11-13T00:00:00.000Z', '2026-11-13T02:30:00.000Z', 'America/Chicago')).toBe(
			'Thu, Nov 12, 2026, 6:00 – 8:30 PM CST'
		);
		expect(formatSessionTime('2026-07-01T23:00:00.000Z', '2026-07-02T01:00:00.000Z', 'America/Chicago')).toBe(
			'Wed, Jul 1, 2026, 6:00 – 8:00 PM CDT'
		);
		expect(zoneName('America/Chicago')).toBe('Central Time (America/Chicago)');
	});
});
