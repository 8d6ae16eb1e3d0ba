// The byte scan reads a certificate's claimed serial without a PDF library or any inflating, on the
// calling thread: it must read every certificate we issue, decode PDF strings as the specification
// says, and give up (null: the reader thread takes over) on anything it cannot be sure of.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { manyObjects, objectStreamBomb, titled } from '../../../../scripts/bench-hostile-pdfs.mjs';
import type { CertificateFacts } from '../../domain/certificate-facts';
import { generateKeys, loadKeys } from '../certificates/keys-folder';
import { produceCertificate } from '../certificates/produce';
import { scanInfo } from './pdf-info-scan';

const file = (...parts: string[]) => Buffer.from(parts.join(''), 'latin1');
const plain = (info: string, extra = '') =>
	file(
		'%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n',
		extra,
		`3 0 obj\n${info}\nendobj\n`,
		'trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n0\n%%EOF\n'
	);

const tmp = mkdtempSync(join(tmpdir(), 'js-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the PDF byte scan', () => {
	it('gives up on a file whose information dictionary is inside an object stream', async () => {
		const doc = await PDFDocument.create();
		doc.setTitle('Certificate of Completion RC-2026-000777');
		const saved = await doc.save({ useObjectStreams: true });
		expect(Buffer.from(saved).includes('RC-2026-000777')).toBe(false);
		expect(scanInfo(saved)).toBeNull();
	});

	it('gives up on hostile files rather than read them (no trailer, an object stream bomb, 200,000 objects)', () => {
		expect(scanInfo(file('%PDF-1.4\n1 0 obj\n<< /Title (RC-2026-000001) >>\nendobj\n'))).toBeNull();
		expect(scanInfo(objectStreamBomb(16))).toBeNull();
		expect(scanInfo(manyObjects())).toBeNull();
	});

	it('gives up on unterminated strings, nesting past its limit and a file full of near-miss object headers', () => {
		expect(scanInfo(plain('<< /Title (Certificate RC-2026-000001 >>'))).toBeNull();
		expect(scanInfo(plain(`<< /Title ${'['.repeat(100)}1${']'.repeat(100)} >>`))).toBeNull();
		// The real "3 0 obj" comes first, behind a hundred "13 0 obj", "23 0 obj" …: the scan stops looking.
		const nearMisses = Array.from({ length: 100 }, (_, i) => `${i + 1}3 0 obj\nnull\nendobj\n`).join('');
		expect(
			scanInfo(
				file(
					'%PDF-1.4\n3 0 obj\n<< /Title (RC-2026-000001) >>\nendobj\n',
					nearMisses,
					'trailer\n<< /Info 3 0 R >>\n%%EOF\n'
				)
			)
		).toBeNull();
	});

	it('reads a certificate as we issue it (title and keywords as references to string objects)', async () => {
		generateKeys(join(tmp, 'keys'), { programName: 'Scan Test Program' });
		const keys = loadKeys(join(tmp, 'keys'));
		const facts: CertificateFacts = {
			v: 1,
			serial: 'ST-2026-000042',
			program: 'Scan Test Program',
			provider: 'Test Provider',
			participantName: 'Đặng Thị (Hương)',
			dateOfBirth: '1988-08-08',
			court: 'Test District Court',
			caseNumber: '62-CR-26-42',
			offence: null,
			curriculumVersion: '1.0',
			completedAt: '2026-06-01',
			seatSeconds: 28_800,
			attestation: { name: 'Đặng Thị (Hương)', signedAt: '2026-06-01T15:00:00.000Z' },
			signedOffBy: 'Test Facilitator',
			issuedAt: '2026-06-01T16:00:00.000Z',
			keyId: keys.ed25519.keyId
		};
		const out = await produceCertificate({
			facts,
			code: 'abcdefghijklmnopqrstuvwxyz',
			verifyUrl: 'https://johnschool.test/verify/ST-2026-000042?code=abcdefghijklmnopqrstuvwxyz',
			ed25519PrivateKey: keys.ed25519.privateKey,
			signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase },
			pdfSignature: {
				reason: 'test',
				name: 'Test Provider',
				location: 'Scan Test Program',
				contactInfo: 'https://johnschool.test',
				signingTime: new Date(facts.issuedAt)
			}
		});
		expect(scanInfo(out.pdf)).toEqual({
			title: 'Certificate of Completion ST-2026-000042',
			keywords: 'ST-2026-000042 completion certificate'
		});
	});

	it('decodes literal strings: escapes, octal codes, balanced parentheses, line continuations', () => {
		expect(
			scanInfo(plain('<< /Title (Certificate \\(copy\\) of \\122C\\0552026-000001 (kept) a\\\nb\\tc) >>'))
		).toEqual({ title: 'Certificate (copy) of RC-2026-000001 (kept) ab\tc', keywords: null });
		expect(scanInfo(titled('RC-2026-000009'))).toEqual({
			title: 'Certificate of Completion RC-2026-000009',
			keywords: null
		});
	});

	it('decodes hex strings and UTF-16 text, and names written with # escapes', () => {
		const utf16 = Buffer.concat([
			Buffer.from([0xfe, 0xff]),
			Buffer.from('Zertifikat RC-2026-000003 – Ü', 'utf16le').swap16()
		]).toString('hex');
		expect(
			scanInfo(plain(`<< /T#69tle <${utf16}> /Keywords <52 43 2D 32 30 32 36 2D 30 30 30 30 30 34 3> >>`))
		).toEqual({ title: 'Zertifikat RC-2026-000003 – Ü', keywords: 'RC-2026-0000040' });
	});

	it('takes the latest definition of the information dictionary (an incremental update), and not "13 0 obj" for "3 0 obj"', () => {
		const updated = Buffer.concat([
			plain('<< /Title (Old RC-2026-000001) >>'),
			file(
				'3 0 obj\n<< /Title (New RC-2026-000002) >>\nendobj\n13 0 obj\n<< /Title (Wrong RC-2026-000013) >>\nendobj\ntrailer\n<< /Root 1 0 R /Info 3 0 R /Prev 0 >>\n%%EOF\n'
			)
		]);
		expect(scanInfo(updated)).toEqual({ title: 'New RC-2026-000002', keywords: null });
	});

	it('reads a dictionary with no title or keywords as claiming nothing', () => {
		expect(scanInfo(plain('<< /Producer (Something) /Count 3 /Kids [1 0 R] >>'))).toEqual({
			title: null,
			keywords: null
		});
	});
});
