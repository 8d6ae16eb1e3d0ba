import { describe, expect, it } from 'vitest';
import { dateTimeFormat, formatPart, isTimeZone } from './formatters';
import { parseProgramSettings } from './program-settings';

describe('formatters built once', () => {
	it('gives the same formatter for the same locale and options, another for other options', () => {
		const a = dateTimeFormat('en-US', { timeZone: 'America/Chicago', dateStyle: 'medium' });
		expect(dateTimeFormat('en-US', { timeZone: 'America/Chicago', dateStyle: 'medium' })).toBe(a);
		expect(dateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'medium' })).not.toBe(a);
		expect(a.format(new Date('2026-07-01T23:00:00Z'))).toBe('Jul 1, 2026');
		expect(
			formatPart(
				dateTimeFormat('en-US', { timeZone: 'America/Chicago', timeZoneName: 'short' }),
				new Date('2026-01-15T12:00:00Z'),
				'timeZoneName'
			)
		).toBe('CST');
	});

	it('knows IANA zones and refuses others', () => {
		expect(isTimeZone('America/Chicago')).toBe(true);
		expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
		expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
	});

	it('parses a program settings text once and shares it frozen', () => {
		const json = JSON.stringify({ timeZone: 'America/Chicago', requiredSessionKinds: ['panel'] });
		const s = parseProgramSettings(json);
		expect(parseProgramSettings(json)).toBe(s);
		expect(Object.isFrozen(s) && Object.isFrozen(s.requiredSessionKinds)).toBe(true);
		expect(() => parseProgramSettings(JSON.stringify({ timeZone: 'Nowhere/Else' }))).toThrow(/unknown time zone/);
	});
});
