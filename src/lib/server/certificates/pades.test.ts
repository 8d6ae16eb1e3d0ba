// The certificate's PDF signature as PAdES baseline B-LT, certified with DocMDP P 1, time-stamped by
// a real RFC 3161 TSA (openssl ts -reply, scripts/test-tsa.mjs), checked with tools that are not
// ours: poppler's pdfsig (with the program CA in an NSS database), openssl cms / ts and qpdf.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PDFDocument, PDFArray, PDFName } from 'pdf-lib';
import { startTestTsa } from '../../../../scripts/test-tsa.mjs';
import { signedFactsBytes, type CertificateFacts } from '../../domain/certificate-facts';
import { preflightErrors, qpdfCheck, qpdfObjects, skipWithout } from '../testing/pdf-tools';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { produceCertificate, type Produced } from './produce';
import { renderCertificatePdf } from './render-pdf';
import {
	signatureFingerprint,
	signFacts,
	signPdfDetailed,
	TimestampRequiredError,
	type PdfSigningMaterial
} from './sign';
import { checkTimestampReply, timestampRequest } from './tsa';
import { parseCertificate, pemToDer } from './x509';

const noTools = skipWithout('poppler', 'openssl');
const noQpdf = skipWithout('qpdf');
const noFaketime = skipWithout('faketime', 'openssl');
const noPreflight = skipWithout('preflight');
const PDFA3_ALLOWS = ['1.2.9', '1.4.7', '3.1.11', '7.11.2']; // as archival-pdf.test.ts
const hasCertutil = spawnSync('certutil', ['-H']).error === undefined;

const tmp = mkdtempSync(join(tmpdir(), 'js-pades-'));
let keys: LoadedKeys;
let tsa: Awaited<ReturnType<typeof startTestTsa>>;
let withTsa: Produced;
let withoutTsa: Produced;
let unsigned: Buffer;

const OID = {
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	signingTime: '1.2.840.113549.1.9.5',
	signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
	timeStampToken: '1.2.840.113549.1.9.16.2.14'
};

const facts = (serial: string): CertificateFacts => ({
	v: 1,
	serial,
	program: 'PAdES Test Program',
	provider: 'Test Provider',
	participantName: 'Zoë Ångström-Nguyễn',
	dateOfBirth: '1985-03-14',
	court: 'Test District Court',
	caseNumber: '62-CR-26-4242',
	offence: null,
	curriculumVersion: '1.0',
	completedAt: '2026-06-01',
	seatSeconds: 28_800,
	attestation: { name: 'Zoë Ångström-Nguyễn', signedAt: '2026-06-01T15:00:00.000Z' },
	signedOffBy: 'Test Facilitator',
	issuedAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
	keyId: keys.ed25519.keyId
});

const tsaMaterial = () => ({ url: tsa.url, timeoutMs: 5_000, trustedCaDer: [pemToDer(tsa.caPem)] });
const material = (over: Partial<PdfSigningMaterial> = {}): PdfSigningMaterial => ({
	p12: keys.pdf.p12,
	passphrase: keys.pdf.passphrase,
	crlDer: keys.crl!.der,
	tsa: tsaMaterial(),
	...over
});
const info = (f: CertificateFacts) => ({
	reason: `Certificate of completion ${f.serial}`,
	name: f.provider,
	location: f.program,
	contactInfo: 'https://johnschool.test',
	signingTime: new Date(f.issuedAt)
});

async function produce(serial: string, signing: PdfSigningMaterial): Promise<Produced> {
	const f = facts(serial);
	const code = 'k7qx2m9prt4wabcdefghijklmn';
	return produceCertificate({
		facts: f,
		code,
		verifyUrl: `https://johnschool.test/verify/${serial}?code=${code}`,
		ed25519PrivateKey: keys.ed25519.privateKey,
		signing,
		pdfSignature: info(f)
	});
}

beforeAll(async () => {
	generateKeys(join(tmp, 'keys'), {
		programName: 'PAdES Test Program',
		crlUrl: 'https://johnschool.test/api/v1/keys/ca.crl'
	});
	keys = loadKeys(join(tmp, 'keys'));
	tsa = await startTestTsa();
	withTsa = await produce('PA-2026-000001', material());
	withoutTsa = await produce('PA-2026-000002', material({ tsa: null }));
	const f = facts('PA-2026-000003');
	const signature = signFacts(f, keys.ed25519.privateKey);
	unsigned = await renderCertificatePdf(f, {
		verifyUrl: `https://johnschool.test/verify/${f.serial}?code=y`,
		code: 'y',
		fingerprint: signatureFingerprint(signature),
		signature,
		signedFacts: signedFactsBytes(f)
	});
}, 120_000);
afterAll(async () => {
	await tsa?.close();
	rmSync(tmp, { recursive: true, force: true });
});

/** The signature's parts as the file holds them: signed byte ranges, and the CMS (DER). */
function parts(pdf: Uint8Array) {
	const text = Buffer.from(pdf).toString('latin1');
	const r = /\/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)\s*\]/.exec(text)!;
	const [a, b, c, d] = r.slice(1).map(Number);
	const buf = Buffer.from(pdf);
	const content = Buffer.concat([buf.subarray(a, a + b), buf.subarray(c, c + d)]);
	// /Contents is zero-padded after the DER, and the DER itself may end in zero bytes: cut it at the
	// length its own header states rather than at the last non-zero byte.
	const padded = Buffer.from(text.slice(a + b + 1, c - 1), 'hex');
	const cms = padded.subarray(0, derLength(padded));
	const info = pkijs.ContentInfo.fromBER(new Uint8Array(cms));
	const signed = new pkijs.SignedData({ schema: info.content });
	return { content, cms: Buffer.from(cms), signed, byteRange: [a, b, c, d] };
}

/** The length of the DER element at the start of `der`, header included (X.690 §8.1.3, definite form). */
function derLength(der: Uint8Array): number {
	const first = der[1];
	if (first < 0x80) return 2 + first;
	const n = first & 0x7f;
	let len = 0;
	for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
	return 2 + n + len;
}

function write(name: string, bytes: Uint8Array): string {
	const file = join(tmp, name);
	writeFileSync(file, bytes);
	return file;
}

function nssWithCa(): string {
	const dir = mkdtempSync(join(tmp, 'nss-'));
	writeFileSync(join(dir, 'ca.pem'), keys.caCertPem);
	execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
	execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'program-ca', '-t', ',C,', '-i', join(dir, 'ca.pem')]);
	return dir;
}

const pdfsig = (file: string, nss?: string) =>
	spawnSync('pdfsig', [...(nss ? ['-nssdir', `sql:${nss}`] : []), file], { encoding: 'utf8' }).stdout;

describe('the time-stamping authority', () => {
	it('refuses an answer to another request: other imprint, other nonce, another TSA CA, a damaged signature', async () => {
		const data = new Uint8Array([1, 2, 3]);
		const nonce = new Uint8Array([0x11, 2, 3, 4, 5, 6, 7, 8]);
		const ask = async (d: Uint8Array, n: Uint8Array) =>
			new Uint8Array(
				await (
					await fetch(tsa.url, {
						method: 'POST',
						headers: { 'content-type': 'application/timestamp-query' },
						body: Buffer.from(timestampRequest(d, n))
					})
				).arrayBuffer()
			);
		const good = await ask(data, nonce);
		await expect(checkTimestampReply(good, data, nonce, [pemToDer(tsa.caPem)])).resolves.toMatchObject({
			genTime: expect.any(Date)
		});
		await expect(checkTimestampReply(good, new Uint8Array([9]), nonce, [])).rejects.toThrow(/message imprint differs/);
		await expect(checkTimestampReply(good, data, new Uint8Array([0x11, 2, 3, 4, 5, 6, 7, 9]), [])).rejects.toThrow(
			/nonce/
		);
		await expect(checkTimestampReply(good, data, nonce, [keys.ca.certDer])).rejects.toThrow(
			/does not chain to TSA_CA_FILE/
		);
		const damaged = new Uint8Array(good);
		damaged[damaged.length - 1] ^= 1; // the last byte of the token's signature
		await expect(checkTimestampReply(damaged, data, nonce, [])).rejects.toThrow(/signature is not the TSA certificate/);
		await expect(checkTimestampReply(new TextEncoder().encode('not DER'), data, nonce, [])).rejects.toThrow(
			/not an RFC 3161/
		);
		await expect(checkTimestampReply(good.subarray(0, good.length - 9), data, nonce, [])).rejects.toThrow(
			/not an RFC 3161/
		);

		// The same answer in BER, as a TSA may send it: indefinite lengths around the token and its
		// SignedData (outside what the TSA signed). Read as well, checked the same, the token kept as sent.
		const ber = asn1js.fromBER(good.buffer.slice(good.byteOffset, good.byteOffset + good.byteLength));
		const reply = ber.result as asn1js.Sequence;
		const token = reply.valueBlock.value[1] as asn1js.Sequence;
		const explicit = token.valueBlock.value[1] as asn1js.Constructed;
		for (const node of [reply, token, explicit, explicit.valueBlock.value[0] as asn1js.Sequence]) {
			node.lenBlock.isIndefiniteForm = true;
			node.valueBlock.isIndefiniteForm = true;
		}
		const berReply = new Uint8Array(reply.toBER());
		expect(berReply[1]).toBe(0x80);
		const read = await checkTimestampReply(berReply, data, nonce, [pemToDer(tsa.caPem)]);
		expect(read.genTime).toEqual((await checkTimestampReply(good, data, nonce, [])).genTime);
		expect(Buffer.from(berReply).includes(Buffer.from(read.token))).toBe(true);
		expect(read.token[1]).toBe(0x80);
		const damagedBer = new Uint8Array(berReply);
		damagedBer[damagedBer.length - 9] ^= 1; // the signature's last byte, before four end-of-contents
		await expect(checkTimestampReply(damagedBer, data, nonce, [])).rejects.toThrow(/does not verify/);
	});

	it('down, garbled or answering another query: tried twice, then the PDF is signed without a time-stamp, and the problem said', async () => {
		const cases = [
			['down', /HTTP 503 \(twice\)/],
			['garbage', /not an RFC 3161 time-stamp response/],
			['foreign', /message imprint differs/]
		] as const;
		try {
			for (const [mode, said] of cases) {
				tsa.mode = mode;
				const before = tsa.requests;
				const out = await signPdfDetailed(unsigned, material(), info(facts('PA-2026-000009')));
				expect(out.timestampedAt, mode).toBeNull();
				expect(out.timestampProblem, mode).toMatch(said);
				expect(tsa.requests - before, mode).toBe(2);
				expect(parts(out.pdf).signed.signerInfos[0].unsignedAttrs, mode).toBeUndefined();
				if (!noTools) expect(pdfsig(write(`no-ts-${mode}.pdf`, out.pdf))).toContain('Signature is Valid');
			}
			tsa.mode = 'down';
			await expect(
				signPdfDetailed(
					unsigned,
					material({ tsa: { ...tsaMaterial(), required: true } }),
					info(facts('PA-2026-000010'))
				)
			).rejects.toThrow(TimestampRequiredError);
		} finally {
			tsa.mode = 'ok';
		}
	});

	it('a TSA that never answers costs at most twice TSA_TIMEOUT_MS', async () => {
		const { createServer } = await import('node:http');
		const silent = createServer(() => {});
		await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
		const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
		try {
			const out = await signPdfDetailed(
				unsigned,
				material({ tsa: { url, timeoutMs: 300, trustedCaDer: [] } }),
				info(facts('PA-2026-000011'))
			);
			expect(out.timestampProblem).toMatch(/no answer within 300 ms \(twice\)/);
		} finally {
			silent.closeAllConnections();
			silent.close();
		}
	});
});

describe('the CMS (PAdES baseline, CAdES)', () => {
	it('signs content-type, message-digest and signing-certificate-v2 only (no signing-time), with the chain, the CRL and the time-stamp token', () => {
		const { signed } = parts(withTsa.pdf);
		const si = signed.signerInfos[0];
		expect(si.signedAttrs!.attributes.map((a) => a.type).sort()).toEqual(
			[OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort()
		);
		expect(si.signedAttrs!.attributes.map((a) => a.type)).not.toContain(OID.signingTime);
		expect(si.unsignedAttrs!.attributes.map((a) => a.type)).toEqual([OID.timeStampToken]);
		expect(signed.certificates).toHaveLength(2);
		expect(
			Buffer.from((signed.crls![0] as pkijs.CertificateRevocationList).toSchema().toBER()).equals(keys.crl!.der)
		).toBe(true);
		expect(parts(withoutTsa.pdf).signed.signerInfos[0].unsignedAttrs).toBeUndefined();
		expect(withTsa.timestampedAt).not.toBeNull();
		expect(withoutTsa.timestampedAt).toBeNull();
	});

	it.skipIf(noTools)('openssl reads the same attributes (cms -cmsout -print)', () => {
		const printed = execFileSync(
			'openssl',
			['cms', '-cmsout', '-print', '-inform', 'DER', '-in', write('cms.der', parts(withTsa.pdf).cms)],
			{ encoding: 'utf8' }
		);
		// Our signer's signed attributes: up to its unsigned ones (the TSA's token, printed after them,
		// has a signingTime of its own, as RFC 3161 tokens may).
		const ours = printed.slice(printed.indexOf('signedAttrs:'), printed.indexOf('unsignedAttrs:'));
		expect(ours).toContain('id-smime-aa-signingCertificateV2');
		expect(ours).toContain('messageDigest');
		expect(ours).toContain('contentType');
		expect(ours).not.toContain('signingTime');
		expect(printed.slice(printed.indexOf('unsignedAttrs:'))).toContain('id-smime-aa-timeStampToken');
	});
});

describe.skipIf(noTools)('checked by outside tools', () => {
	it('pdfsig: ETSI.CAdES.detached, valid, the whole document signed, and trusted under the program CA', () => {
		for (const p of [withTsa, withoutTsa]) {
			const file = write('signed.pdf', p.pdf);
			const out = hasCertutil ? pdfsig(file, nssWithCa()) : pdfsig(file);
			expect(out).toContain('Signature Type: ETSI.CAdES.detached');
			expect(out).toContain('Signature is Valid');
			expect(out).toContain('Total document signed');
			if (hasCertutil || process.env.CI) expect(out).toContain('Certificate is Trusted');
		}
	});

	it('openssl ts -verify accepts the token over the signature value, under the TSA CA', () => {
		const si = parts(withTsa.pdf).signed.signerInfos[0];
		const token = si.unsignedAttrs!.attributes[0].values[0];
		const tokenFile = write('token.der', new Uint8Array(token.toBER()));
		const valueFile = write('signature-value.bin', new Uint8Array(si.signature.valueBlock.valueHexView));
		const caFile = write('tsa-ca.pem', Buffer.from(tsa.caPem));
		const ok = spawnSync(
			'openssl',
			['ts', '-verify', '-token_in', '-in', tokenFile, '-data', valueFile, '-CAfile', caFile],
			{ encoding: 'utf8' }
		);
		expect(ok.stdout + ok.stderr).toContain('Verification: OK');
		// Over any other bytes (the signed content, say) it is refused.
		const other = spawnSync(
			'openssl',
			[
				'ts',
				'-verify',
				'-token_in',
				'-in',
				tokenFile,
				'-data',
				write('other.bin', parts(withTsa.pdf).content),
				'-CAfile',
				caFile
			],
			{ encoding: 'utf8' }
		);
		expect(other.stdout + other.stderr).toContain('Verification: FAILED');
		const reply = execFileSync('openssl', ['ts', '-reply', '-token_in', '-in', tokenFile, '-token_out', '-text'], {
			encoding: 'utf8'
		});
		const genTime = new Date(/Time stamp: (.*)/.exec(reply)![1]);
		expect(Math.abs(genTime.getTime() - new Date(withTsa.timestampedAt!).getTime())).toBeLessThan(1000);
	});

	it('openssl cms -verify with -crl_check, offline, using only the CRL in the CMS, at the time the TSA gives', () => {
		const { cms, content } = parts(withTsa.pdf);
		const caFile = write('ca.pem', Buffer.from(keys.caCertPem));
		const args = (extra: string[]) => [
			'cms',
			'-verify',
			'-binary',
			'-inform',
			'DER',
			'-in',
			write('cms.der', cms),
			'-content',
			write('content.bin', content),
			'-CAfile',
			caFile,
			'-crl_check',
			'-out',
			'/dev/null',
			...extra
		];
		const at = Math.floor(new Date(withTsa.timestampedAt!).getTime() / 1000);
		const ok = spawnSync('openssl', args(['-attime', String(at)]), { encoding: 'utf8' });
		expect(ok.stderr).toContain('Verification successful');
		// One changed byte of the signed content, and it fails.
		content[100] ^= 1;
		const bad = spawnSync('openssl', args(['-attime', String(at)]), { encoding: 'utf8' });
		expect(bad.status).not.toBe(0);
		// openssl checks the chain at -attime only: years after the signer's notAfter it says the
		// certificate has expired. Validating then is a PAdES validator's job, at the time the
		// time-stamp proves, with the DSS; the check above is that check done by hand.
		const notAfter = parseCertificate(pemToDer(keys.pdf.certPem)).notAfter.value.getTime();
		content[100] ^= 1;
		const later = spawnSync('openssl', args(['-attime', String(Math.floor(notAfter / 1000) + 5 * 365 * 86400)]), {
			encoding: 'utf8'
		});
		expect(later.stderr).toMatch(/certificate has expired|CRL has expired/);
	});

	it.skipIf(noFaketime)(
		'years after the signing certificate expired (the clock set by faketime), the file alone still validates at the time its time-stamp proves',
		() => {
			const { cms, content } = parts(withTsa.pdf);
			const si = parts(withTsa.pdf).signed.signerInfos[0];
			const notAfter = parseCertificate(pemToDer(keys.pdf.certPem)).notAfter.value;
			// Two years after the signer's expiry and inside the test TSA certificate's ten years.
			const clock = new Date(notAfter.getTime() + 2 * 365 * 86400_000);
			const tsaNotAfter = parseCertificate(pemToDer(tsa.tsaPem)).notAfter.value;
			expect(clock < tsaNotAfter).toBe(true);
			const later = (argv: string[]) =>
				spawnSync('faketime', [clock.toISOString().slice(0, 19).replace('T', ' '), 'openssl', ...argv], {
					encoding: 'utf8'
				});
			// The clock really is later: the signing certificate reads as expired now.
			const now = later([
				'x509',
				'-in',
				write('signer.pem', Buffer.from(keys.pdf.certPem)),
				'-noout',
				'-checkend',
				'0'
			]);
			expect(now.stdout).toContain('Certificate will expire');
			// The time-stamp token verifies over the signature value, and gives the time ...
			const tokenFile = write('token-later.der', new Uint8Array(si.unsignedAttrs!.attributes[0].values[0].toBER()));
			const ts = later([
				'ts',
				'-verify',
				'-token_in',
				'-in',
				tokenFile,
				'-data',
				write('value-later.bin', new Uint8Array(si.signature.valueBlock.valueHexView)),
				'-CAfile',
				write('tsa-ca-later.pem', Buffer.from(tsa.caPem))
			]);
			expect(ts.stdout + ts.stderr).toContain('Verification: OK');
			// ... at which the signature, its chain and the CRL carried in the file all check out, offline.
			const at = Math.floor(new Date(withTsa.timestampedAt!).getTime() / 1000);
			const cmsCheck = later([
				'cms',
				'-verify',
				'-binary',
				'-inform',
				'DER',
				'-in',
				write('cms-later.der', cms),
				'-content',
				write('content-later.bin', content),
				'-CAfile',
				write('ca-later.pem', Buffer.from(keys.caCertPem)),
				'-crl_check',
				'-attime',
				String(at),
				'-out',
				'/dev/null'
			]);
			expect(cmsCheck.stderr).toContain('Verification successful');
		}
	);

	it.skipIf(noQpdf)(
		'qpdf: a clean file whose catalog certifies it (DocMDP P 1) and carries the DSS: chain, CRL, the TSA chain and its CRLs',
		() => {
			const file = write('signed.pdf', withTsa.pdf);
			expect(qpdfCheck(file).out).toContain('No syntax or stream encoding errors found');
			const o = qpdfObjects(file);
			const root = o.dict(o.trailer['/Root']);
			const sig = o.dict(o.dict(root['/Perms'])['/DocMDP']);
			expect(sig['/SubFilter']).toBe('/ETSI.CAdES.detached');
			const ref = (sig['/Reference'] as Record<string, Record<string, unknown>>[])[0];
			expect(ref['/TransformMethod']).toBe('/DocMDP');
			expect(ref['/TransformParams']['/P']).toBe(1);
			const dss = o.dict(root['/DSS']);
			const streams = (refs: unknown) => (refs as string[]).map((r) => o.all[`obj:${r}`]);
			expect(streams(dss['/Certs'])).toHaveLength(5); // signer, program CA, TSA, TSA issuing CA, TSA root
			// the program CA's, then the TSA issuing CA's and root's (tsa-revocation.test.ts checks them)
			expect(streams(dss['/CRLs'])).toHaveLength(3);
			const der = (name: string) =>
				execFileSync('qpdf', ['--show-object=' + name.replace(/ 0 R$/, ''), '--raw-stream-data', file]);
			expect(der((dss['/CRLs'] as string[])[0]).equals(keys.crl!.der)).toBe(true);
			const certs = (dss['/Certs'] as string[]).map(der);
			expect(certs.some((c) => c.equals(pemToDer(tsa.tsaPem)))).toBe(true);
			expect(certs.some((c) => c.equals(pemToDer(tsa.caPem)))).toBe(true);
			expect(certs.some((c) => c.equals(keys.ca.certDer))).toBe(true);
			// Inside the signed revision: the whole file but /Contents is covered.
			const [, b, c, d] = parts(withTsa.pdf).byteRange;
			expect(c + d).toBe(withTsa.pdf.length);
			expect(Buffer.from(withTsa.pdf).indexOf('/DSS')).toBeLessThan(b);
		}
	);

	it('an update appended after signing (a new content stream on the page, in a revision of its own) is reported: not the total document', async () => {
		const pdf = Buffer.from(withTsa.pdf);
		const doc = await PDFDocument.load(pdf, { updateMetadata: false });
		const page = doc.getPages()[0];
		const text = pdf.toString('latin1');
		const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
		const size = doc.context.largestObjectNumber + 1;
		const content = 'BT /Helv 26 Tf 150 560 Td (Someone Else) Tj ET';
		const newPage = page.node.clone(doc.context);
		const contents = page.node.get(PDFName.of('Contents'));
		newPage.set(
			PDFName.of('Contents'),
			doc.context.obj(
				[...(contents instanceof PDFArray ? contents.asArray() : [contents!]), doc.context.obj(`${size} 0 R`)].map(
					(x) => x
				)
			)
		);
		const chunks: string[] = [];
		let at = pdf.length + 1;
		const offsets: [number, number][] = [];
		const add = (num: number, body: string) => {
			offsets.push([num, at]);
			const s = `${num} 0 obj\n${body}\nendobj\n`;
			chunks.push(s);
			at += Buffer.byteLength(s, 'latin1');
		};
		add(size, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
		add(
			page.ref.objectNumber,
			newPage
				.toString()
				.replace(
					/\/Contents \[[^\]]*\]|\/Contents \d+ 0 R/,
					`/Contents [${contents instanceof PDFArray ? contents.asArray().join(' ') : contents} ${size} 0 R]`
				)
		);
		const xref = `xref\n0 1\n0000000000 65535 f \n${offsets.map(([n, o]) => `${n} 1\n${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
		const trailer = `trailer\n<< /Size ${size + 1} /Root ${doc.context.trailerInfo.Root} /Info ${doc.context.trailerInfo.Info} /Prev ${prev} >>\nstartxref\n${at}\n%%EOF\n`;
		const appended = Buffer.concat([pdf, Buffer.from(`\n${chunks.join('')}${xref}${trailer}`, 'latin1')]);
		const file = write('appended.pdf', appended);
		if (!noQpdf) expect(qpdfCheck(file).out).toContain('No syntax or stream encoding errors found');
		const out = pdfsig(file);
		if (process.env.PADES_SHOW) console.log(out);
		expect(out).toContain('Signature is Valid');
		expect(out).toContain('Not total document signed');
		expect(out).not.toContain('- Total document signed');
	});

	it.skipIf(noPreflight)(
		'stays PDF/A-3b with the DSS, the DocMDP reference and the time-stamp (Apache PDFBox Preflight, as archival-pdf.test.ts)',
		() => {
			expect(preflightErrors(write('preflight.pdf', withTsa.pdf)).filter((e) => !PDFA3_ALLOWS.includes(e))).toEqual([]);
		}
	);

	it('a clerk’s by-hand check of the time-stamp (scripts/check-timestamp.sh: pdfsig -dump, openssl asn1parse and ts) says when, or why not', () => {
		const script = join(process.cwd(), 'scripts/check-timestamp.sh');
		const tsaCa = write('tsa-ca.pem', Buffer.from(tsa.caPem));
		const run = (pdf: Uint8Array, ca: string) =>
			spawnSync('bash', [script, write('clerk.pdf', pdf), ca], { encoding: 'utf8' });
		const ok = run(withTsa.pdf, tsaCa);
		expect(ok.status, ok.stderr).toBe(0);
		const when = /existed at (.*) GMT \(time-stamped by (.*), verified/.exec(ok.stdout)!;
		expect(Math.abs(new Date(`${when[1]} GMT`).getTime() - new Date(withTsa.timestampedAt!).getTime())).toBeLessThan(
			1000
		);
		expect(when[2]).toContain('Test Time-Stamping Authority');
		const programCa = write('ca.pem', Buffer.from(keys.caCertPem));
		const full = spawnSync('bash', [script, write('clerk.pdf', withTsa.pdf), tsaCa, programCa], { encoding: 'utf8' });
		expect(full.status, full.stderr).toBe(0);
		expect(full.stdout).toMatch(
			/OK {2}the PDF signature is valid under .*ca\.pem, its signer not revoked by the CRL it carries/
		);
		const changed = Buffer.from(withTsa.pdf);
		changed[changed.indexOf('/Producer') + 2] ^= 0x20;
		const bad = spawnSync('bash', [script, write('clerk.pdf', changed), tsaCa, programCa], { encoding: 'utf8' });
		expect(bad.status).toBe(1);
		expect(bad.stderr).toContain('STOP: the PDF signature does not verify');
		const none = run(withoutTsa.pdf, tsaCa);
		expect(none.status).toBe(1);
		expect(none.stderr).toContain('STOP: the signature carries no time-stamp: it has no independent time');
		const wrongCa = run(withTsa.pdf, write('program-ca.pem', Buffer.from(keys.caCertPem)));
		expect(wrongCa.status).toBe(1);
		expect(wrongCa.stderr).toContain('STOP: the time-stamp does not verify');
	});
});
