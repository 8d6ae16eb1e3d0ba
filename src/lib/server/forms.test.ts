import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { f, parseForm } from './forms';

const schema = v.object({ legalName: f.line('Legal name', 20), offence: f.optionalLine('Offence', 20) });
const form = (fields: Record<string, string>) => {
	const fd = new FormData();
	for (const [k, val] of Object.entries(fields)) fd.append(k, val);
	return fd;
};

describe('one-line text that reaches a certificate', () => {
	const refused: [string, string][] = [
		['a tab', 'José\tRamírez'],
		['a line break', 'José\nRamírez'],
		['a carriage return', 'José Ramírez\r'],
		['a NUL', 'José\u0000Ramírez'],
		['DEL', 'José\u007fRamírez'],
		['a C1 control', 'José\u0085Ramírez'],
		['a right-to-left override', 'José \u202eziremaR'],
		['a directional isolate', '\u2066José Ramírez\u2069'],
		['a line separator', 'José\u2028Ramírez']
	];
	it.each(refused)('refuses %s, with a message at the field', (_what, value) => {
		const r = parseForm(schema, form({ legalName: value }));
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.legalName).toMatch(/^Legal name contains an invisible control character/);
		// What was typed comes back to the form, so the person can correct it.
		expect(r.values.legalName).toBe(value);
	});

	it('refuses a control character in an optional field too', () => {
		const r = parseForm(schema, form({ legalName: 'José', offence: 'Statute\u0007' }));
		expect(r.ok).toBe(false);
		if (!r.ok) expect(Object.keys(r.errors)).toEqual(['offence']);
	});

	it('refuses a name that is only spaces', () => {
		const r = parseForm(schema, form({ legalName: '   ' }));
		expect(!r.ok && r.errors.legalName).toBe('Legal name is required.');
	});

	it('stores decomposed accents (NFD) as composed (NFC), trimmed', () => {
		const r = parseForm(schema, form({ legalName: '  Jose\u0301 Rami\u0301rez ', offence: 'Nguye\u0302\u0303n' }));
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.data.legalName).toBe('José Ramírez');
		expect(r.data.legalName).toBe('José Ramírez'.normalize('NFC'));
		expect(r.data.legalName.length).toBe(12);
		expect(r.data.offence).toBe('Nguyễn');
	});

	it('counts the length after normalising, so a decomposed name is not refused for its extra marks', () => {
		// 20 characters composed, 24 code units decomposed.
		const composed = 'Éléonore Ängström Ü'.padEnd(20, 'x');
		const r = parseForm(schema, form({ legalName: composed.normalize('NFD') }));
		expect(composed.normalize('NFD').length).toBeGreaterThan(20);
		expect(r.ok && r.data.legalName).toBe(composed);
	});

	it('keeps the joiners some scripts need, and an empty optional field stays empty', () => {
		const r = parseForm(schema, form({ legalName: 'می\u200cخواهم' }));
		expect(r.ok && r.data).toEqual({ legalName: 'می\u200cخواهم', offence: '' });
	});
});

describe('case numbers, one rule for the referral, the certificate and its corrections', () => {
	const cases = v.object({ caseNumber: f.caseNumber() });
	it('accepts the forms courts write, trimmed', () => {
		for (const n of ['62-CR-26-0001', '62CR260001', '27-CR-24/1234', 'A.B 12'])
			expect(parseForm(cases, form({ caseNumber: ` ${n} ` }))).toMatchObject({ ok: true, data: { caseNumber: n } });
	});
	it('says what is wrong at the field', () => {
		expect(parseForm(cases, form({ caseNumber: '62-CR<script>' }))).toMatchObject({
			ok: false,
			errors: { caseNumber: 'Case numbers use letters, digits, dashes, dots and slashes only.' }
		});
		expect(parseForm(cases, form({}))).toMatchObject({ ok: false, errors: { caseNumber: 'Case number is required.' } });
		expect(parseForm(cases, form({ caseNumber: '1'.repeat(41) }))).toMatchObject({
			ok: false,
			errors: { caseNumber: 'Case number must be at most 40 characters.' }
		});
	});
});
