// The certificate's page: what it says (version 1 and 2 facts), that it stays on one page at 10 pt or
// more for the facts, and the previews looked at. Archival form and tags: archival-pdf.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../domain/certificate-facts';
import { factsV1, factsV2, longAccentedName, longest, noOffence, reissue } from '../testing/certificate-samples';
import { hasTool, pdfinfo, pdftotext, pdffonts, sansWordSizes, writeTemp } from '../testing/pdf-tools';
import { certificateCells, type PrintableFacts } from './certificate-rows';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { groupCode, renderCertificatePdf, VALUE_COLUMNS, verifyBase, type RenderExtra } from './render-pdf';
import { signPdf, signatureFingerprint } from './sign';
import { sha256Hex } from '../ids';

const code = 'K7QX2M9PRT4WABCDEFGHIJKLMN';
const sigInfo = (f: PrintableFacts) => ({
	reason: 'Certificate of completion',
	name: f.provider,
	location: 'St. Paul, Minnesota',
	contactInfo: 'certificates@example.org',
	signingTime: new Date(f.issuedAt)
});
const hasPoppler = hasTool('pdfsig') && hasTool('pdfinfo') && hasTool('pdftoppm');
if (!hasPoppler) console.warn('poppler-utils (pdfsig, pdfinfo, pdftoppm) not found: PDF checks skipped');

const tmp = mkdtempSync(join(tmpdir(), 'js-pdf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let keys: LoadedKeys;
beforeAll(() => {
	generateKeys(join(tmp, 'keys'), { programName: 'Offenders Prostitution Program' });
	keys = loadKeys(join(tmp, 'keys'));
});

/** The facts with this test's key, and what the issuer hands the renderer for them. */
function issue<F extends PrintableFacts>(f: F): [F, RenderExtra] {
	const facts = { ...f, keyId: keys.ed25519.keyId };
	// Version 2's bytes are JCS (facts-v2); the renderer embeds whatever bytes it is given.
	const signedFacts = Buffer.from(canonicalJson(facts), 'utf8');
	const signature = sign(null, signedFacts, keys.ed25519.privateKey).toString('base64');
	const verifyUrl = `https://johnschool.example.org/verify/${f.serial}?code=${code}`;
	return [facts, { verifyUrl, code, fingerprint: signatureFingerprint(signature), signature, signedFacts }];
}
const render = (f: PrintableFacts) => renderCertificatePdf(...issue(f));
const pdfsig = (file: string) => spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;

describe('renderCertificatePdf', () => {
	it('refuses to attach the signed bytes of other facts', async () => {
		const [facts, extra] = issue(factsV2);
		const [, other] = issue(reissue);
		await expect(renderCertificatePdf(facts, { ...extra, signedFacts: other.signedFacts })).rejects.toThrow(
			/not the facts/
		);
		await expect(
			renderCertificatePdf(facts, { ...extra, signedFacts: Buffer.from(canonicalJson({ ...facts, v: 1 })) })
		).rejects.toThrow(/not the facts/);
	});

	it('prints the code in groups of four and the link without its code', () => {
		expect(groupCode('K7QX2M9PRT4W')).toBe('K7QX 2M9P RT4W');
		expect(groupCode('k7qx-2m9p')).toBe('K7QX 2M9P');
		expect(groupCode('abcdefghijklmnopqrstuvwxyz')).toBe('ABCD EFGH IJKL MNOP QRST UVWX YZ');
		expect(verifyBase(`https://johnschool.example.org/verify/RC-2026-000123?code=${code}`)).toBe(
			'https://johnschool.example.org/verify/RC-2026-000123'
		);
	});

	it('gives identical bytes for identical input', async () => {
		const a = await render(factsV2);
		const b = await render(structuredClone(factsV2));
		expect(a.subarray(0, 5).toString()).toBe('%PDF-');
		expect(sha256Hex(b)).toBe(sha256Hex(a));
		expect(sha256Hex(await render({ ...factsV2, seatSeconds: 29160 }))).not.toBe(sha256Hex(a));
	});

	it.skipIf(!hasPoppler)(
		'states what a court record needs (16 TAC §92.51), a reissue the serial it replaces',
		async () => {
			const text = pdftotext(writeTemp(await render(reissue))).replace(/\s+/g, ' ');
			for (const s of [
				'Offender Education Course',
				'Course no. OEC-2026-01',
				'Provider Breaking Free',
				'Provider no. TX-PRV-004512',
				'Provider phone (651) 555-0100',
				'Registration no. RC-P-000123',
				'Case number 62-CR-26-1234',
				'Court Ramsey County District Court',
				'County Ramsey',
				'Offence Solicitation of a person',
				'Offence date February 14, 2026',
				'Completion date May 4, 2026',
				'Hours required 8 h 00 min',
				'Hours completed 8 h 05 min',
				'Signed off by Maria Hernandez',
				'Title Facilitator',
				'under penalty of law',
				'Certificate number',
				'RC-2026-000140',
				'Reissued: replaces certificate RC-2026-000123',
				'Replaces certificate RC-2026-000123'
			])
				expect(text).toContain(s);
			const none = pdftotext(writeTemp(await render(noOffence))).replace(/\s+/g, ' ');
			for (const s of ['Offence', 'Course no.', 'Provider no.', 'Provider phone', 'Title', 'Replaces'])
				expect(none).not.toContain(s);
		}
	);

	it.skipIf(!hasPoppler)('still renders version 1 facts, as issued until now', async () => {
		const text = pdftotext(writeTemp(await render(factsV1))).replace(/\s+/g, ' ');
		for (const s of [
			'Legal name Jonathan Michael Doe',
			'Course Offenders Prostitution Program, curriculum version 2026.1',
			'Total seat time 8 h 05 min',
			'Signed off by Maria Hernandez, Facilitator',
			'attested on May 4, 2026 that he personally completed all coursework, under penalty of law'
		])
			expect(text).toContain(s);
		expect(text).not.toContain('Registration no.');
	});

	it.skipIf(!hasPoppler)(
		'stays on one page with every fact at 10 pt or more, however long the facts the forms accept',
		async () => {
			for (const f of [factsV1, factsV2, longAccentedName, noOffence, reissue, longest]) {
				const file = writeTemp(await render(f));
				expect(pdfinfo(file).Pages, f.participantName).toBe('1');
				// Every line of a fact value starts at a value column (pdftotext -bbox: where each word is).
				const starts = sansWordSizes(file).filter((w) => VALUE_COLUMNS.some((x) => Math.abs(w.x - x) < 0.5));
				expect(starts.length).toBeGreaterThanOrEqual(certificateCells(f).length);
				for (const w of starts) expect(w.size, `${f.participantName}: ${w.word}`).toBeGreaterThanOrEqual(9.99);
			}
		}
	);

	it.skipIf(!hasPoppler)('renders names outside Latin-1, and they read back as the same text', async () => {
		for (const name of [
			'Nguyễn Văn Đặng',
			'Łukasz Wójcik',
			"O'Brien-Müller Søren",
			'Ştefan Ţurcanu',
			longAccentedName.participantName
		]) {
			const file = writeTemp(
				await render({ ...factsV2, participantName: name, attestation: { ...factsV2.attestation, name } })
			);
			expect(pdftotext(file).normalize('NFC').replace(/\s+/g, ' ')).toContain(name);
			expect(pdfinfo(file).Pages).toBe('1');
		}
	});

	it('embeds every font it uses (no reader substitutes a font)', async () => {
		const pdf = await render(factsV2);
		const text = pdf.toString('latin1');
		// Each font is a subset TrueType with its program inside the file (FontFile2) …
		const fonts = [...text.matchAll(/\/BaseFont \/([A-Z]{6}\+[A-Za-z-]+)/g)].map((m) => m[1]);
		expect(fonts.length).toBeGreaterThanOrEqual(5);
		expect(text.match(/\/FontFile2 /g)?.length).toBe(new Set(fonts).size);
		// … and none of the 14 standard fonts, which a reader would substitute, is referenced.
		expect(text).not.toMatch(/\/BaseFont \/(Helvetica|Times|Courier)/);
		if (!hasPoppler) return;
		const rows = pdffonts(writeTemp(pdf));
		expect(rows.length).toBeGreaterThanOrEqual(5);
		for (const row of rows) expect(row.split(/\s+/).slice(-5, -2), row).toEqual(['yes', 'yes', 'yes']); // emb sub uni
	});

	it.skipIf(!hasPoppler)('signs a PDF that pdfsig validates, and detects one changed byte', async () => {
		const signed = await signPdf(await render(factsV2), keys.pdf.p12, keys.pdf.passphrase, sigInfo(factsV2));
		const file = join(tmp, 'signed.pdf');
		writeFileSync(file, signed);
		const out = pdfsig(file);
		expect(out).toContain('Signature is Valid');
		expect(out).toContain('Offenders Prostitution Program Certificate Signing');
		expect(out).toContain('Total document signed');
		expect(pdfinfo(file).Pages).toBe('1');

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

	it.skipIf(!hasPoppler)('writes signed previews as PNG to /tmp/cert-preview (to look at)', async () => {
		mkdirSync('/tmp/cert-preview', { recursive: true });
		const previews = {
			certificate: factsV2,
			'certificate-v1': factsV1,
			'long-accented-name': longAccentedName,
			'no-offence': noOffence,
			reissue,
			longest
		};
		for (const [name, f] of Object.entries(previews)) {
			writeFileSync(
				`/tmp/cert-preview/${name}.pdf`,
				await signPdf(await render(f), keys.pdf.p12, keys.pdf.passphrase, sigInfo(f))
			);
			execFileSync('pdftoppm', ['-png', '-r', '100', '-singlefile', `${name}.pdf`, name], { cwd: '/tmp/cert-preview' });
			expect(pdfinfo(`/tmp/cert-preview/${name}.pdf`).Pages).toBe('1');
		}
	});
});
