import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateFacts } from '../../domain/certificate-facts';
import { generateKeys, loadKeys, type LoadedKeys } from './keys';
import { groupCode, renderCertificatePdf, verifyBase } from './render-pdf';
import { sha256Hex, signFacts, signPdf, signatureFingerprint } from './sign';

const facts: CertificateFacts = {
	v: 1,
	serial: 'RC-2026-000123',
	program: 'Offenders Prostitution Program',
	provider: 'Breaking Free',
	participantName: 'Jonathan Michael Doe',
	dateOfBirth: '1985-03-14',
	court: 'Ramsey County District Court, Second Judicial District',
	caseNumber: '62-CR-26-1234',
	offence: 'Solicitation of a person to engage in prostitution (Minn. Stat. § 609.324)',
	curriculumVersion: '2026.1',
	completedAt: '2026-05-04',
	seatSeconds: 29100,
	attestation: { name: 'Jonathan Michael Doe', signedAt: '2026-05-04T13:55:02.000Z' },
	signedOffBy: 'Maria Hernandez, Facilitator',
	issuedAt: '2026-05-04T14:03:09.000Z',
	keyId: ''
};
const code = 'K7QX2M9PRT4W';
const extra = {
	verifyUrl: `https://johnschool.example.org/verify/${facts.serial}?code=${code}`,
	code,
	fingerprint: 'D0EB C8C2 4025 25E1'
};
const sigInfo = {
	reason: 'Certificate of completion',
	name: 'Breaking Free',
	location: 'St. Paul, Minnesota',
	contactInfo: 'certificates@example.org',
	signingTime: new Date(facts.issuedAt)
};
const has = (tool: string) => spawnSync(tool, ['-v']).error === undefined;
const hasPoppler = has('pdfsig') && has('pdfinfo') && has('pdftoppm');
if (!hasPoppler) console.warn('poppler-utils (pdfsig, pdfinfo, pdftoppm) not found: PDF checks skipped');

const tmp = mkdtempSync(join(tmpdir(), 'js-pdf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let keys: LoadedKeys;
beforeAll(() => {
	generateKeys(join(tmp, 'keys'), { programName: 'Offenders Prostitution Program' });
	keys = loadKeys(join(tmp, 'keys'));
	facts.keyId = keys.ed25519.keyId;
	extra.fingerprint = signatureFingerprint(signFacts(facts, keys.ed25519.privateKey));
});

const pdfsig = (file: string) => spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
const pages = (file: string) => /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1];

describe('renderCertificatePdf', () => {
	it('prints the code in groups of four and the link without its code', () => {
		expect(groupCode('K7QX2M9PRT4W')).toBe('K7QX 2M9P RT4W');
		expect(groupCode('k7qx-2m9p')).toBe('K7QX 2M9P');
		expect(groupCode('abcdefghijklmnopqrstuvwxyz')).toBe('ABCD EFGH IJKL MNOP QRST UVWX YZ');
		expect(verifyBase(extra.verifyUrl)).toBe('https://johnschool.example.org/verify/RC-2026-000123');
	});

	it('gives identical bytes for identical input', async () => {
		const a = await renderCertificatePdf(facts, extra);
		const b = await renderCertificatePdf(structuredClone(facts), { ...extra });
		expect(a.subarray(0, 5).toString()).toBe('%PDF-');
		expect(sha256Hex(b)).toBe(sha256Hex(a));
		const c = await renderCertificatePdf({ ...facts, seatSeconds: 29160 }, extra);
		expect(sha256Hex(c)).not.toBe(sha256Hex(a));
	});

	it.skipIf(!hasPoppler)('signs a PDF that pdfsig validates, and detects one changed byte', async () => {
		const signed = await signPdf(await renderCertificatePdf(facts, extra), keys.pdf.p12, keys.pdf.passphrase, sigInfo);
		const file = join(tmp, 'signed.pdf');
		writeFileSync(file, signed);
		const out = pdfsig(file);
		expect(out).toContain('Signature is Valid');
		expect(out).toContain('Offenders Prostitution Program Certificate Signing');
		expect(out).toContain('Total document signed');
		expect(pages(file)).toBe('1');

		// Flip one byte of the Info /Title, which lies inside the first signed range.
		const range = /\/ByteRange \[\s*0 (\d+) (\d+) (\d+)/.exec(signed.toString('latin1'))!;
		const at = signed.indexOf('Certificate of Completion RC-2026-000123');
		expect(at).toBeGreaterThan(0);
		expect(at).toBeLessThan(Number(range[1]));
		const tampered = Buffer.from(signed);
		tampered[at] ^= 0x20; // 'C' → 'c'
		writeFileSync(join(tmp, 'tampered.pdf'), tampered);
		expect(pdfsig(join(tmp, 'tampered.pdf'))).toContain('Digest Mismatch');
	});

	it.skipIf(!hasPoppler)('stays on one page with very long facts', async () => {
		const long = {
			...facts,
			participantName: 'Maximilian Alexander Bartholomew Christopherson-Vanderbilt III',
			court: 'District Court of the State of Minnesota, County of Ramsey, Second Judicial District, Criminal Division, St. Paul',
			offence: 'Solicitation, inducement or promotion of prostitution; engaging in, hiring or agreeing to hire an adult to engage in prostitution (Minn. Stat. § 609.324, subd. 3(a)); a public place',
			signedOffBy: 'Alexandra Catherine Montgomery-Richardson, Senior Facilitator and Program Coordinator',
			attestation: { name: 'Maximilian Alexander Bartholomew Christopherson-Vanderbilt III', signedAt: facts.issuedAt }
		};
		const file = join(tmp, 'long.pdf');
		writeFileSync(file, await renderCertificatePdf(long, extra));
		expect(pages(file)).toBe('1');
	});

	it('embeds every font it uses (no reader substitutes a font)', async () => {
		const pdf = await renderCertificatePdf(facts, extra);
		const text = pdf.toString('latin1');
		// Each font is a subset TrueType with its program inside the file (FontFile2) …
		const fonts = [...text.matchAll(/\/BaseFont \/([A-Z]{6}\+[A-Za-z-]+)/g)].map((m) => m[1]);
		expect(fonts.length).toBeGreaterThanOrEqual(5);
		expect(text.match(/\/FontFile2 /g)?.length).toBe(new Set(fonts).size);
		// … and none of the 14 standard fonts, which a reader would substitute, is referenced.
		expect(text).not.toMatch(/\/BaseFont \/(Helvetica|Times|Courier)/);
		if (!hasPoppler) return;
		const file = join(tmp, 'fonts.pdf');
		writeFileSync(file, pdf);
		const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
		expect(rows.length).toBeGreaterThanOrEqual(5);
		for (const row of rows) expect(row.split(/\s+/).slice(-5, -2), row).toEqual(['yes', 'yes', 'yes']); // emb sub uni
	});

	it.skipIf(!hasPoppler)('renders names outside Latin-1, and they read back as the same text', async () => {
		const names = ['Nguyễn Văn Đặng', 'Łukasz Wójcik', "O'Brien-Müller Søren", 'Ştefan Ţurcanu'];
		for (const name of names) {
			const pdf = await renderCertificatePdf({ ...facts, participantName: name, attestation: { ...facts.attestation, name } }, extra);
			const file = join(tmp, 'name.pdf');
			writeFileSync(file, pdf);
			const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
			expect(text).toContain(name);
			expect(pages(file)).toBe('1');
		}
	});

	it.skipIf(!hasPoppler)('writes a preview PNG to /tmp/cert-preview', async () => {
		const signed = await signPdf(await renderCertificatePdf(facts, extra), keys.pdf.p12, keys.pdf.passphrase, sigInfo);
		mkdirSync('/tmp/cert-preview', { recursive: true });
		writeFileSync('/tmp/cert-preview/certificate.pdf', signed);
		execFileSync('pdftoppm', ['-png', '-r', '100', '-singlefile', 'certificate.pdf', 'certificate'], {
			cwd: '/tmp/cert-preview'
		});
		expect(pages('/tmp/cert-preview/certificate.pdf')).toBe('1');
	});
});
