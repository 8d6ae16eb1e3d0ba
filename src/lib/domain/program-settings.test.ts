import { describe, expect, it } from 'vitest';
import { localDate, parseProgramSettings, requiredSeatSeconds } from './program-settings';

describe('program settings', () => {
	it('fills the documented defaults', () => {
		expect(parseProgramSettings('{}')).toMatchObject({
			passMark: 80,
			maxAttempts: 3,
			seatTimePercent: 100,
			feeRequired: true,
			timeZone: 'America/Chicago'
		});
	});

	it('refuses certificate details that hold a control character, are not NFC or are empty text', () => {
		expect(() => parseProgramSettings(JSON.stringify({ courseName: 'Course\nTwo' }))).toThrow();
		expect(() => parseProgramSettings(JSON.stringify({ providerId: 'Nume\u0301ro' }))).toThrow();
		expect(() => parseProgramSettings(JSON.stringify({ providerPhone: '' }))).toThrow();
	});

	it('leaves the certificate details unset by default (the course name then comes from the curriculum)', () => {
		expect(parseProgramSettings('{}')).toMatchObject({
			courseName: null,
			courseNumber: null,
			providerId: null,
			providerPhone: null
		});
		expect(parseProgramSettings('{"courseNumber":"OPP-101"}').courseNumber).toBe('OPP-101');
	});

	it('refuses an unknown time zone and an out-of-range pass mark', () => {
		expect(() => parseProgramSettings('{"timeZone":"Mars/Olympus"}')).toThrow();
		expect(() => parseProgramSettings('{"passMark":120}')).toThrow();
	});

	it('dates a late-evening sign-off in Minnesota on the local day, not the UTC one', () => {
		expect(localDate('2026-11-23T00:11:00Z', 'America/Chicago')).toBe('2026-11-22');
	});

	it('scales the minimum seat time by the program percentage, rounding up', () => {
		expect(requiredSeatSeconds(2700, parseProgramSettings('{"seatTimePercent":2}'))).toBe(54);
		expect(requiredSeatSeconds(2700, parseProgramSettings('{}'))).toBe(2700);
	});
});
