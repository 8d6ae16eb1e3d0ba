import { describe, expect, it } from 'vitest';
import { parseStoredFacts } from './certificate-facts';

describe('facts_json read back', () => {
	it('gives back the stored facts of either version, purge date included', () => {
		const v1 = { v: 1, serial: 'RC-2026-000001', participantName: 'A B' };
		expect(parseStoredFacts(JSON.stringify(v1))).toEqual(v1);
		const purged = { v: 2, serial: 'RC-2026-000002', participantName: '', purgedAt: '2030-01-01T00:00:00.000Z' };
		expect(parseStoredFacts(JSON.stringify(purged)).purgedAt).toBe('2030-01-01T00:00:00.000Z');
	});

	it('refuses what is not facts of a known version, loudly', () => {
		for (const bad of [
			'null',
			'[]',
			'"x"',
			'{"v":3,"serial":"S","participantName":"N"}',
			'{"v":2,"participantName":"N"}'
		])
			expect(() => parseStoredFacts(bad)).toThrow('stored certificate facts are not version 1 or 2 facts');
		expect(() => parseStoredFacts('{')).toThrow(SyntaxError);
	});
});
