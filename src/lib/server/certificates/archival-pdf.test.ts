// The certificate as an archival, accessible file, read by tools that are not ours: PDF/A-3b (XMP,
// output intent, embedded fonts, associated files), tagged (structure, reading order, alt text,
// language), the signed facts attached byte for byte; and all of it still there after the PDF
// signature (sign.ts: pdf-lib load → placeholder → save).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPublicKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../domain/certificate-facts';
import { factsV2 } from '../testing/certificate-samples';
import {
	detachAll,
	detachList,
	pdfinfo,
	preflightErrors,
	qpdfCheck,
	qpdfObjects,
	skipWithout,
	structText,
	untaggedPaint,
	writeTemp,
	xmlProblem,
	xmp
} from '../testing/pdf-tools';
import type { CertificateFactsV2 } from '../../domain/certificate-facts';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { renderCertificatePdf, type RenderExtra } from './render-pdf';
import { signPdf, signatureFingerprint } from './sign';

const noPoppler = skipWithout('poppler', 'openssl');
const noQpdf = skipWithout('qpdf');
const noXmllint = skipWithout('xmllint');
const noPreflight = skipWithout('preflight');

/**
 * What Preflight (PDF/A-1b only) reports that PDF/A-3b allows, each by its ISO 19005-3 clause:
 * 1.2.9 / 1.4.7 embedded files (6.8 allows them as associated files); 3.1.11 no CIDSet in a subset
 * CID font (6.2.11.4.2: optional); 7.11.2 pdfaid:part is 3, not 1 (6.6.4). Anything else is a defect.
 */
const PDFA3_ALLOWS = ['1.2.9', '1.4.7', '3.1.11', '7.11.2'];

const tmp = mkdtempSync(join(tmpdir(), 'js-pdfa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let keys: LoadedKeys;
let facts: CertificateFactsV2;
let extra: RenderExtra;
let unsigned: Buffer;
let signed: Buffer;
beforeAll(async () => {
	generateKeys(join(tmp, 'keys'), { programName: 'Archive Test Program' });
	keys = loadKeys(join(tmp, 'keys'));
	// An ampersand and angle brackets in names: the XMP must escape them.
	facts = {
		...factsV2,
		provider: 'Smith & Jones <Counseling>',
		participantName: 'Zoë Ångström-Nguyễn',
		keyId: keys.ed25519.keyId
	};
	facts.attestation = { ...facts.attestation, name: facts.participantName };
	const signedFacts = Buffer.from(canonicalJson(facts), 'utf8');
	const signature = sign(null, signedFacts, keys.ed25519.privateKey).toString('base64');
	const code = 'K7QX2M9PRT4WABCDEFGHIJKLMN';
	extra = {
		verifyUrl: `https://johnschool.example.org/verify/${facts.serial}?code=${code}`,
		code,
		fingerprint: signatureFingerprint(signature),
		signature,
		signedFacts
	};
	unsigned = await renderCertificatePdf(facts, extra);
	signed = await signPdf(unsigned, keys.pdf.p12, keys.pdf.passphrase, {
		reason: 'Certificate of completion',
		name: facts.provider,
		location: 'St. Paul',
		contactInfo: 'https://johnschool.example.org',
		signingTime: new Date(facts.issuedAt)
	});
});

const both = () => [['unsigned', unsigned] as const, ['signed', signed] as const];

describe('the certificate as an archival, tagged PDF', () => {
	it.skipIf(noQpdf)(
		'is PDF 1.7, not encrypted, with a file ID and no syntax errors (qpdf --check), before and after signing',
		() => {
			for (const [when, pdf] of both()) {
				expect(pdf.subarray(0, 9).toString('latin1'), when).toBe('%PDF-1.7\n');
				// PDF/A 6.1.2: a comment of four bytes above 127 on the second line.
				expect(
					[...pdf.subarray(10, 14)].every((b) => b > 127),
					when
				).toBe(true);
				const check = qpdfCheck(writeTemp(pdf));
				expect(check.out, when).toContain('No syntax or stream encoding errors found');
				expect(check.out, when).toContain('File is not encrypted');
				const id = qpdfObjects(writeTemp(pdf)).trailer['/ID'];
				expect(Array.isArray(id) && id.length === 2, when).toBe(true);
			}
		}
	);

	it.skipIf(noPoppler)('says "Tagged: yes", PDF 1.7 and its title (pdfinfo), before and after signing', () => {
		for (const [when, pdf] of both()) {
			const info = pdfinfo(writeTemp(pdf));
			expect(info.Tagged, when).toBe('yes');
			expect(info['PDF version'], when).toBe('1.7');
			expect(info.Title, when).toBe(`Certificate of Completion ${facts.serial}`);
			expect(info.Author, when).toBe('Smith & Jones <Counseling>');
		}
	});

	it.skipIf(noQpdf)(
		'has in its catalog (qpdf) US English, marked content, the title shown, a structure tree and the sRGB output intent, before and after signing',
		() => {
			for (const [when, pdf] of both()) {
				const o = qpdfObjects(writeTemp(pdf));
				const root = o.dict(o.trailer['/Root']);
				expect(root['/Lang'], when).toBe('u:en-US');
				expect(o.dict(root['/MarkInfo'])['/Marked'], when).toBe(true);
				expect(o.dict(root['/ViewerPreferences'])['/DisplayDocTitle'], when).toBe(true);
				expect(o.dict(root['/StructTreeRoot'])['/Type'], when).toBe('/StructTreeRoot');
				expect(o.dict(root['/Metadata'])['/Subtype'], when).toBe('/XML');
				const intent = o.dict((root['/OutputIntents'] as string[])[0]);
				expect(intent['/S'], when).toBe('/GTS_PDFA1');
				expect(o.dict(intent['/DestOutputProfile'])['/N'], when).toBe(3); // sRGB, for the page's RGB colours
				// Pages with annotations (the signature widget) follow the structure order.
				const page = o.dict((o.dict(root['/Pages'])['/Kids'] as string[])[0]);
				expect(page['/Tabs'], when).toBe('/S');
			}
		}
	);

	it.skipIf(noPoppler)(
		'reads in order through its structure tree (pdfinfo -struct-text)',
		() => {
			const tree = structText(writeTemp(unsigned));
			const order = [
				'Document',
				'H1',
				'"Certificate of Completion"',
				`"This certifies that ${facts.participantName} has completed the Offender Education Course on May 4, 2026`,
				'"Legal name"',
				`"${facts.participantName}"`,
				'"Date of birth"',
				'"Registration no."',
				'"Court"',
				'"County"',
				'"Case number"',
				'"Offence"',
				'"Offence date"',
				'"Course"',
				'"Course no."',
				'"Provider"',
				'"Provider no."',
				'"Provider phone"',
				'"Hours required"',
				'"Hours completed"',
				'"Completion date"',
				'"Issued"',
				'"Attestation"',
				'under penalty of law',
				'"Signed off by"',
				'"Title"',
				'"Certificate number"',
				`"${facts.serial}"`,
				'"Verification code"',
				'"K7QX 2M9P RT4W ABCD EFGH IJKL MN"',
				'"Verify at https://johnschool.example.org/verify/RC-2026-000123"',
				'Figure',
				'"Scan to verify"',
				'"How to verify: scan the QR code, or open'
			];
			let at = -1;
			for (const s of order) {
				const next = tree.indexOf(s, at + 1);
				expect(next, `${s} after position ${at}`).toBeGreaterThan(at);
				at = next;
			}
			// Words keep their spaces for a screen reader (no justified lines drawn word by word).
			expect(tree).toContain('so they can be checked without the site');
			expect(structText(writeTemp(signed))).toBe(tree);
		},
		120_000
	); // poppler takes seconds to read the structure with its text

	it.skipIf(noQpdf)('paints nothing outside tagged content or artifacts (qpdf --qdf)', () => {
		expect(untaggedPaint(writeTemp(unsigned))).toEqual([]);
		expect(untaggedPaint(writeTemp(signed))).toEqual([]);
	});

	it.skipIf(noQpdf)('shows the QR code as a figure with alt text and its box (qpdf)', () => {
		const o = qpdfObjects(writeTemp(signed));
		const figures = Object.values(o.all)
			.map((x) => x.value as Record<string, unknown> | undefined)
			.filter((d) => d?.['/S'] === '/Figure');
		expect(figures).toHaveLength(1);
		expect(figures[0]!['/Alt']).toBe(
			'u:QR code that opens this certificate’s verification page, with its verification code.'
		);
		expect(JSON.stringify(figures[0]!['/A'])).toContain('/BBox');
	});

	it.skipIf(noPoppler)(
		'carries the signed facts and their signature as associated files (pdfdetach), checked by openssl from the file alone',
		() => {
			for (const [when, pdf] of both()) {
				const file = writeTemp(pdf);
				expect(detachList(file), when).toMatch(
					/2 embedded files\s+1: certificate-facts\.json\s+2: certificate-facts\.sig\.json/
				);
				const files = detachAll(file);
				expect(files.get('certificate-facts.json')!.equals(Buffer.from(extra.signedFacts)), when).toBe(true);
				const sig = JSON.parse(files.get('certificate-facts.sig.json')!.toString('utf8'));
				expect(sig, when).toEqual({
					algorithm: 'Ed25519',
					keyId: keys.ed25519.keyId,
					signature: extra.signature,
					signedFile: 'certificate-facts.json'
				});
				expect(JSON.parse(files.get('certificate-facts.json')!.toString('utf8')).keyId, when).toBe(sig.keyId);

				// The check a clerk makes offline: the extracted bytes, the signature, the published key.
				const dir = mkdtempSync(join(tmp, 'offline-'));
				writeFileSync(join(dir, 'facts.json'), files.get('certificate-facts.json')!);
				writeFileSync(join(dir, 'sig.bin'), Buffer.from(sig.signature, 'base64'));
				writeFileSync(
					join(dir, 'pub.pem'),
					createPublicKey(keys.ed25519.privateKey).export({ type: 'spki', format: 'pem' })
				);
				const verify = (input: string) =>
					spawnSync(
						'openssl',
						['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', input, '-sigfile', 'sig.bin'],
						{ cwd: dir, encoding: 'utf8' }
					);
				expect(verify('facts.json').stdout, when).toContain('Signature Verified Successfully');
				writeFileSync(
					join(dir, 'altered.json'),
					files.get('certificate-facts.json')!.toString('utf8').replace('62-CR-26-1234', '62-CR-26-1235')
				);
				expect(verify('altered.json').status, when).not.toBe(0);
			}
		}
	);

	it.skipIf(noQpdf)(
		'declares each attachment as PDF/A-3 asks: /AF from the catalog, /AFRelationship /Data, a MIME type and dates',
		() => {
			for (const [when, pdf] of both()) {
				const o = qpdfObjects(writeTemp(pdf));
				const root = o.dict(o.trailer['/Root']);
				const specs = (root['/AF'] as string[]).map(o.dict);
				expect(
					specs.map((s) => s['/UF']),
					when
				).toEqual(['u:certificate-facts.json', 'u:certificate-facts.sig.json']);
				for (const s of specs) {
					expect(s['/Type'], when).toBe('/Filespec');
					expect(s['/AFRelationship'], when).toBe('/Data');
					expect(s['/F'], when).toBe(s['/UF']);
					expect(String(s['/Desc']).length, when).toBeGreaterThan(20);
					const stream = o.dict((s['/EF'] as Record<string, string>)['/F']);
					expect(stream['/Type'], when).toBe('/EmbeddedFile');
					expect(stream['/Subtype'], when).toBe('/application/json'); // qpdf shows the name decoded from /application#2Fjson
					const params = stream['/Params'] as Record<string, string>;
					expect(params['/ModDate'], when).toBe('u:D:20260504140309Z');
				}
			}
		}
	);

	it.skipIf(noPoppler || noXmllint)(
		'has well-formed XMP saying PDF/A-3b and what the information dictionary says, kept byte for byte through signing',
		() => {
			const packet = xmp(unsigned);
			expect(xmlProblem(packet)).toBeNull();
			expect(packet).toContain('<pdfaid:part>3</pdfaid:part>');
			expect(packet).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
			const info = pdfinfo(writeTemp(unsigned));
			const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
			expect(packet).toContain(`<rdf:li xml:lang="x-default">${esc(info.Title)}</rdf:li>`);
			expect(packet).toContain(`<rdf:li>${esc(info.Author)}</rdf:li>`);
			expect(packet).toContain(`<rdf:li xml:lang="x-default">${esc(info.Subject)}</rdf:li>`);
			expect(packet).toContain(`<pdf:Keywords>${esc(info.Keywords)}</pdf:Keywords>`);
			expect(packet).toContain(`<xmp:CreatorTool>${info.Creator}</xmp:CreatorTool>`);
			expect(packet).toContain(`<pdf:Producer>${info.Producer}</pdf:Producer>`);
			expect(packet).toContain('<xmp:CreateDate>2026-05-04T14:03:09Z</xmp:CreateDate>');
			expect(info.ModDate).toBeUndefined(); // no xmp:ModifyDate to mirror it
			expect(xmp(signed)).toBe(packet);
		}
	);

	it.skipIf(noPreflight)(
		'passes Apache PDFBox Preflight but for what PDF/A-3 allows over PDF/A-1, before and after signing',
		() => {
			for (const [when, pdf] of both()) {
				const errors = preflightErrors(writeTemp(pdf));
				expect(
					errors.filter((e) => !PDFA3_ALLOWS.includes(e)),
					when
				).toEqual([]);
			}
		}
	);
});
