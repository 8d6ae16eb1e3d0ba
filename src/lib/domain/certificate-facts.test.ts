import { describe, expect, it } from 'vitest';
import {
	ATTESTATION_TEXT,
	canonicalFacts,
	canonicalJson,
	factsProblems,
	formatSeatTime,
	registrationNumber,
	serialNumber,
	signedFactsBytes,
	type CertificateFacts,
	type CertificateFactsV1,
	type CertificateFactsV2
} from './certificate-facts';
import { jcs } from './jcs';

const facts: CertificateFacts = {
	v: 1,
	serial: 'RC-2026-000123',
	program: 'Offenders Prostitution Program',
	provider: 'Breaking Free',
	participantName: 'José Ramírez',
	dateOfBirth: '1985-03-14',
	court: 'Ramsey County District Court',
	caseNumber: '62-CR-26-1234',
	offence: null,
	curriculumVersion: '2026.1',
	completedAt: '2026-05-04',
	seatSeconds: 29100,
	attestation: { name: 'José Ramírez', signedAt: '2026-05-04T13:55:02.000Z' },
	signedOffBy: 'Maria Hernandez',
	issuedAt: '2026-05-04T14:03:09.000Z',
	keyId: '0123456789abcdef'
};

describe('canonical form', () => {
	it('refuses fractions, NaN, undefined and non-plain objects rather than dropping them', () => {
		expect(() => canonicalJson({ a: 1.5 })).toThrow(/integer/);
		expect(() => canonicalJson({ a: Number.NaN })).toThrow(/integer/);
		expect(() => canonicalJson({ a: undefined })).toThrow(/undefined/);
		expect(() => canonicalJson({ a: new Date(0) })).toThrow(/plain object/);
		expect(() => canonicalJson({ a: 'x', b: [1, undefined] })).toThrow(/\$\.b\[1\]/);
	});

	it('sorts keys at every depth and has no whitespace', () => {
		expect(canonicalJson({ b: 1, a: { d: null, c: 'x' }, A: [{ z: 1, y: 2 }] })).toBe(
			'{"A":[{"y":2,"z":1}],"a":{"c":"x","d":null},"b":1}'
		);
	});

	it('normalises strings to NFC, so composed and decomposed input sign the same bytes', () => {
		const decomposed = { ...facts, participantName: 'Jose\u0301 Rami\u0301rez' };
		expect(decomposed.participantName).not.toBe(facts.participantName);
		expect(canonicalFacts(decomposed)).toBe(canonicalFacts(facts));
		expect(canonicalFacts(facts)).toContain('"participantName":"José Ramírez"');
	});

	it('equals JSON.stringify of the key-sorted object and ignores input key order', () => {
		const reversed = Object.fromEntries(Object.entries(facts).reverse()) as unknown as CertificateFacts;
		const canonical = canonicalFacts(facts);
		expect(canonicalFacts(reversed)).toBe(canonical);
		const sorted = (o: Record<string, unknown>): Record<string, unknown> =>
			Object.fromEntries(
				Object.keys(o)
					.sort()
					.map((k) => [k, o[k] && typeof o[k] === 'object' ? sorted(o[k] as Record<string, unknown>) : o[k]])
			);
		expect(canonical).toBe(JSON.stringify(sorted(facts as unknown as Record<string, unknown>)));
		expect(canonical.startsWith('{"attestation":{"name":"José Ramírez","signedAt":')).toBe(true);
		expect(canonical).toContain('"offence":null');
	});

	it('is stable: the same facts give the same string every time', () => {
		expect(canonicalFacts(structuredClone(facts))).toBe(canonicalFacts(facts));
	});
});

const { v: _v1, ...common } = facts as CertificateFactsV1;
const v2: CertificateFactsV2 = {
	...common,
	v: 2,
	courseName: 'Offenders Prostitution Program — online course',
	courseNumber: null,
	providerId: 'MN-PROV-0042',
	providerPhone: '651-555-0100',
	registrationNumber: 'RC-P-000123',
	county: 'Ramsey',
	offenceDate: '2026-02-13',
	requiredSeconds: 28800,
	signedOffByTitle: 'Program Facilitator',
	replacesSerial: null,
	attestationText: ATTESTATION_TEXT
};

describe('version 2: RFC 8785', () => {
	it('refuses a record of an unknown version rather than guess its rule', () => {
		expect(() => canonicalFacts({ ...facts, v: 3 } as unknown as CertificateFacts)).toThrow(/unknown version 3/);
		expect(() => signedFactsBytes({ ...facts, v: '1' } as unknown as CertificateFacts)).toThrow(/unknown version/);
	});

	it('signs the JCS bytes, and version 1 keeps its own rule', () => {
		expect(canonicalFacts(v2)).toBe(jcs(v2));
		expect(canonicalFacts(facts)).toBe(canonicalJson(facts));
		expect(Buffer.from(signedFactsBytes(v2)).toString('utf8')).toBe(jcs(v2));
		expect(Buffer.from(signedFactsBytes(facts)).toString('utf8')).toBe(canonicalJson(facts));
	});

	it('does not normalise: a decomposed name gives other bytes (so names are NFC from input on)', () => {
		const decomposed = { ...v2, participantName: 'Jose\u0301 Rami\u0301rez' };
		expect(canonicalFacts(decomposed)).not.toBe(canonicalFacts(v2));
		expect(factsProblems(decomposed)).toEqual(['participantName must be in Unicode NFC']);
		expect(factsProblems({ ...v2, attestation: { ...v2.attestation, name: 'Jose\u0301' } })).toEqual([
			'attestation.name must be in Unicode NFC'
		]);
	});

	it('names what is wrong with the version 2 facts', () => {
		const bad = {
			...v2,
			registrationNumber: ' ',
			county: '',
			requiredSeconds: 1.5,
			offenceDate: '13/02/2026',
			providerPhone: '',
			attestationText: ''
		};
		expect(factsProblems(bad)).toEqual([
			'registrationNumber is required',
			'county is required',
			'attestationText is required',
			'providerPhone must be text or null',
			'offenceDate must be YYYY-MM-DD or null',
			'requiredSeconds must be a whole number of seconds'
		]);
		expect(factsProblems(v2)).toEqual([]);
	});

	it('carries the exact attestation sentence, under penalty of law', () => {
		expect(v2.attestationText).toMatch(/under penalty of law/);
		expect(canonicalFacts(v2)).toContain(JSON.stringify(ATTESTATION_TEXT));
	});
});

describe('registrationNumber', () => {
	it('refuses a bad prefix or counter, and pads to six digits', () => {
		expect(() => registrationNumber('rc', 1)).toThrow(/prefix/);
		expect(() => registrationNumber('RC', 0)).toThrow(/≥ 1/);
		expect(registrationNumber('RC', 123)).toBe('RC-P-000123');
		expect(registrationNumber('RC', 1234567)).toBe('RC-P-1234567');
	});
});

describe('factsProblems', () => {
	it('names what is wrong', () => {
		const bad = { ...facts, dateOfBirth: '14/03/1985', seatSeconds: 1.5, issuedAt: 'yesterday' };
		expect(factsProblems(bad)).toEqual([
			'dateOfBirth must be YYYY-MM-DD',
			'seatSeconds must be a whole number of seconds',
			'issuedAt must be ISO-8601 UTC'
		]);
	});

	it('accepts well-formed facts', () => {
		expect(factsProblems(facts)).toEqual([]);
	});
});

describe('serialNumber', () => {
	it('refuses a bad prefix or counter', () => {
		expect(() => serialNumber('rc', 2026, 1)).toThrow(/prefix/);
		expect(() => serialNumber('RC', 2026, 0)).toThrow(/≥ 1/);
		expect(() => serialNumber('RC', 26, 1)).toThrow(/year/);
	});

	it('pads the counter to six digits', () => {
		expect(serialNumber('RC', 2026, 123)).toBe('RC-2026-000123');
		expect(serialNumber('RC', 2027, 1)).toBe('RC-2027-000001');
		expect(serialNumber('RC', 2026, 1234567)).toBe('RC-2026-1234567');
	});
});

describe('formatSeatTime', () => {
	it('shows hours and zero-padded whole minutes', () => {
		expect(formatSeatTime(29100)).toBe('8 h 05 min');
		expect(formatSeatTime(0)).toBe('0 h 00 min');
		expect(formatSeatTime(3599)).toBe('0 h 59 min');
		expect(formatSeatTime(36000)).toBe('10 h 00 min');
		expect(() => formatSeatTime(-1)).toThrow();
	});
});
