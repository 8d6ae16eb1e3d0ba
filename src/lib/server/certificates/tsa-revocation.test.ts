// Revocation data for the time-stamp in the DSS (PAdES B-LT): the signer fetches the CRL of each
// certificate of the test TSA's chain (scripts/test-tsa.mjs: root CA, issuing CA, TSA, each CRL made
// by `openssl ca -gencrl` and served by that same server), and the file alone then validates the TSA
// certificate: checked with qpdf (to take the DSS out) and `openssl verify -crl_check_all`. A revoked
// TSA certificate, a CRL server that is down, and CRLs that are not current or not the issuer's.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { startTestTsa } from '../../../../scripts/test-tsa.mjs';
import { hasTool, qpdfObjects, skipWithout } from '../testing/pdf-tools';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { signPdfDetailed, type PdfSigningMaterial } from './sign';
import { checkCrl, CRL_MAX_BYTES, downloadCrl } from './tsa-revocation';
import { pemToDer } from './x509';

type TestTsa = Awaited<ReturnType<typeof startTestTsa>>;

const noTools = skipWithout('qpdf', 'openssl', 'poppler');
const noFaketime = skipWithout('faketime', 'openssl', 'qpdf');
const tmp = mkdtempSync(join(tmpdir(), 'js-tsa-crl-'));
let keys: LoadedKeys;
let pdf: Uint8Array;
const tsas: TestTsa[] = [];

/** A TSA of its own per test: the signer keeps CRLs (and a failure) per URL for the whole file. */
async function newTsa(): Promise<TestTsa> {
	const t = await startTestTsa();
	tsas.push(t);
	return t;
}

const material = (t: TestTsa): PdfSigningMaterial => ({
	p12: keys.pdf.p12,
	passphrase: keys.pdf.passphrase,
	crlDer: keys.crl!.der,
	tsa: { url: t.url, timeoutMs: 5_000, trustedCaDer: [pemToDer(t.caPem)] }
});
const info = { reason: 'test', name: 'Test Provider', location: 'Test Program', contactInfo: 'https://t.test' };
const sign = (t: TestTsa) => signPdfDetailed(pdf, material(t), info);

beforeAll(async () => {
	generateKeys(join(tmp, 'keys'), { programName: 'CRL Test Program', crlUrl: 'https://t.test/ca.crl' });
	keys = loadKeys(join(tmp, 'keys'));
	const doc = await PDFDocument.create();
	doc.addPage([200, 200]).drawText('certificate');
	pdf = await doc.save();
}, 120_000);
afterAll(async () => {
	await Promise.all(tsas.map((t) => t.close()));
	rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
function write(name: string, bytes: Uint8Array | string): string {
	const file = join(tmp, `${++n}-${name}`);
	writeFileSync(file, bytes);
	return file;
}

/** The DSS's certificates and CRLs as qpdf reads them out of the file (--raw-stream-data). */
function dssOf(file: string): { certs: Buffer[]; crls: Buffer[] } {
	const o = qpdfObjects(file);
	const dss = o.dict(o.dict(o.trailer['/Root'])['/DSS']);
	const raw = (ref: string) =>
		execFileSync('qpdf', [`--show-object=${ref.replace(/ 0 R$/, '')}`, '--raw-stream-data', file]);
	return { certs: (dss['/Certs'] as string[]).map(raw), crls: (dss['/CRLs'] as string[]).map(raw) };
}

/**
 * `openssl verify -crl_check_all` of the TSA certificate as the DSS holds it, anchored in the TSA's
 * root alone (what its operator publishes), with the DSS's other certificates as untrusted
 * intermediates and each of its CRLs.
 */
function opensslVerifyTsa(file: string, t: TestTsa, extra: string[] = [], withCrls = true) {
	const { certs, crls } = dssOf(file);
	const tsaDer = pemToDer(t.tsaPem);
	const rootDer = pemToDer(t.caPem);
	const leaf = certs.find((c) => c.equals(tsaDer));
	expect(leaf, 'the DSS holds the TSA certificate').toBeDefined();
	const pem = (der: Buffer) => execFileSync('openssl', ['x509', '-inform', 'DER'], { input: der, encoding: 'utf8' });
	const untrusted = write(
		'untrusted.pem',
		certs
			.filter((c) => !c.equals(rootDer) && !c.equals(tsaDer))
			.map(pem)
			.join('')
	);
	const args = [
		'verify',
		'-crl_check_all',
		'-purpose',
		'timestampsign',
		'-CAfile',
		write('tsa-root.pem', t.caPem),
		'-untrusted',
		untrusted,
		...(withCrls ? crls.flatMap((c) => ['-CRLfile', write('dss.crl', c)]) : []),
		...extra,
		write('tsa.der.pem', pem(leaf!))
	];
	const r = spawnSync('openssl', args, { encoding: 'utf8' });
	return { ok: r.status === 0, out: r.stdout + r.stderr };
}

const pdfsigValid = (file: string) =>
	spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout.includes('Signature is Valid');

async function served(url: string): Promise<Buffer> {
	return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe('the TSA chain’s CRLs in the DSS', () => {
	it.skipIf(noTools)(
		'are fetched from the distribution points, cached until nextUpdate, and let openssl validate the TSA certificate from the file alone',
		async () => {
			const t = await newTsa();
			const out = await sign(t);
			expect(out.timestampedAt).not.toBeNull();
			expect(out.timestampProblem).toBeNull();
			expect(out.revocationProblem).toBeNull();
			expect(t.crlRequests).toBe(2); // the issuing CA's CRL (for the TSA) and the root's (for the issuing CA)
			const file = write('signed.pdf', out.pdf);
			const { certs, crls } = dssOf(file);
			expect(certs.some((c) => c.equals(pemToDer(t.issuingCaPem)))).toBe(true);
			expect(crls).toHaveLength(3);
			expect(crls[0].equals(keys.crl!.der)).toBe(true); // the program CA's, first as before
			const fetched = t.crlRequests;
			for (const url of t.crlUrls) {
				const crl = await served(url); // asked for by the test, not the signer: counted out below
				expect(
					crls.some((c) => c.equals(crl)),
					url
				).toBe(true);
			}
			const ok = opensslVerifyTsa(file, t);
			expect(ok.out).toContain(': OK');
			expect(ok.ok).toBe(true);
			// It is the DSS's CRLs that do it: without them openssl cannot check revocation and refuses.
			const bare = opensslVerifyTsa(file, t, [], false);
			expect(bare.ok).toBe(false);
			expect(bare.out).toContain('unable to get certificate CRL');
			expect(pdfsigValid(file)).toBe(true);

			// The next file of this thread: the same CRLs, not fetched again.
			const again = await sign(t);
			expect(t.crlRequests - fetched).toBe(t.crlUrls.length);
			expect(dssOf(write('again.pdf', again.pdf)).crls).toHaveLength(3);
		}
	);

	it.skipIf(noFaketime)(
		'years later (the clock set by faketime), openssl still validates the TSA certificate with the DSS, at the time the time-stamp gives',
		async () => {
			const t = await newTsa();
			const out = await sign(t);
			const file = write('later.pdf', out.pdf);
			const at = String(Math.floor(out.timestampedAt!.getTime() / 1000));
			const clock = new Date(Date.now() + 5 * 365 * 86400_000).toISOString().slice(0, 19).replace('T', ' ');
			const { certs, crls } = dssOf(file);
			const pem = (der: Buffer) =>
				execFileSync('openssl', ['x509', '-inform', 'DER'], { input: der, encoding: 'utf8' });
			const args = (attime: string[]) => [
				clock,
				'openssl',
				'verify',
				'-crl_check_all',
				'-CAfile',
				write('root.pem', t.caPem),
				'-untrusted',
				write('untrusted.pem', certs.map(pem).join('')),
				...crls.flatMap((c) => ['-CRLfile', write('later.crl', c)]),
				...attime,
				write('tsa.pem', t.tsaPem)
			];
			// Then the CRLs (a week's) are long out of date at the clock's time ...
			const now = spawnSync('faketime', args([]), { encoding: 'utf8' });
			expect(now.status).not.toBe(0);
			expect(now.stdout + now.stderr).toContain('CRL has expired');
			// ... and current at the time the time-stamp proves.
			const then = spawnSync('faketime', args(['-attime', at]), { encoding: 'utf8' });
			expect(then.stdout + then.stderr).toContain(': OK');
		}
	);

	it.skipIf(noTools)(
		'a TSA certificate revoked on its CRL: the CRL goes into the DSS, openssl refuses the certificate, and the signer says so',
		async () => {
			const t = await newTsa();
			t.revokeTsa();
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			try {
				const out = await sign(t);
				expect(out.timestampedAt).not.toBeNull();
				expect(out.revocationProblem).toMatch(
					/the TSA certificate “O=Test Time-Stamping, CN=Test Time-Stamping Authority” is revoked on its CRL \(http:\/\/127\.0\.0\.1:\d+\/crl\/issuing\.crl, since /
				);
				expect(warn.mock.calls.filter((c) => /is revoked on its CRL/.test(String(c[0])))).toHaveLength(1);
				const file = write('revoked.pdf', out.pdf);
				const r = opensslVerifyTsa(file, t);
				expect(r.ok).toBe(false);
				expect(r.out).toContain('certificate revoked');
				expect(pdfsigValid(file)).toBe(true);
			} finally {
				warn.mockRestore();
			}
		}
	);

	it.skipIf(noTools)(
		'a CRL server that is down: still issued and time-stamped (B-T), the problem reported, logged once, and not asked again at once',
		async () => {
			const t = await newTsa();
			t.crlMode = 'down';
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			try {
				const first = await sign(t);
				expect(first.timestampedAt).not.toBeNull();
				expect(first.revocationProblem).toMatch(
					/no current CRL for the TSA certificate “O=Test Time-Stamping, CN=Test Time-Stamping Authority”: the CRL at http:\/\/127\.0\.0\.1:\d+\/crl\/issuing\.crl: it answered HTTP 503/
				);
				expect(first.revocationProblem).toMatch(
					/no current CRL for the TSA certificate “O=Test Time-Stamping, CN=Test TSA Issuing CA”/
				);
				const second = await sign(t);
				expect(second.revocationProblem).toBe(first.revocationProblem);
				expect(t.crlRequests).toBe(2);
				// One line per certificate, for both files.
				expect(
					warn.mock.calls.filter((c) => /^\[certificates\] TSA revocation data: no current CRL/.test(String(c[0])))
				).toHaveLength(2);
				const file = write('crl-down.pdf', first.pdf);
				const { crls } = dssOf(file);
				expect(crls).toHaveLength(1); // the program CA's alone
				expect(pdfsigValid(file)).toBe(true);
				const r = opensslVerifyTsa(file, t);
				expect(r.ok).toBe(false);
				expect(r.out).toContain('unable to get certificate CRL');
			} finally {
				warn.mockRestore();
			}
		}
	);
});

describe('a CRL is taken only when it is its issuer’s and current', () => {
	it('refuses another issuer’s CRL, a damaged signature, one not yet valid or out of date, and what is not a CRL', async () => {
		const t = await newTsa();
		const [rootUrl, issuingUrl] = t.crlUrls;
		const issuingCrl = await served(issuingUrl);
		const issuing = pemToDer(t.issuingCaPem);
		const good = checkCrl(issuingCrl, issuing, new Date());
		expect(good.der).toEqual(new Uint8Array(issuingCrl));
		const thisUpdate = good.crl.thisUpdate.value.getTime();
		expect(() => checkCrl(issuingCrl, issuing, new Date(thisUpdate - 1000))).toThrow(/not valid yet/);
		expect(() => checkCrl(issuingCrl, issuing, good.nextUpdate)).toThrow(/out of date/);
		const rootCrl = await served(rootUrl);
		expect(() => checkCrl(rootCrl, issuing, new Date())).toThrow(/CRL of another issuer/);
		const damaged = Buffer.from(issuingCrl);
		damaged[damaged.length - 1] ^= 1; // the last byte of its signature
		expect(() => checkCrl(damaged, issuing, new Date())).toThrow(/signature is not the issuer’s/);
		expect(() => checkCrl(Buffer.from('not DER'), issuing, new Date())).toThrow(/not a CRL/);
		// As PEM, which some servers send.
		const pem = execFileSync('openssl', ['crl', '-inform', 'DER'], { input: issuingCrl, encoding: 'utf8' });
		expect(checkCrl(Buffer.from(pem), issuing, new Date()).der).toEqual(new Uint8Array(issuingCrl));
	});

	it('gives up on a server that sends too much or nothing in time', async () => {
		const big = createServer((req, res) => {
			if (req.url === '/silent') return;
			res.writeHead(200); // no Content-Length: the cap is on what is read
			const chunk = Buffer.alloc(64 * 1024);
			let sent = 0;
			const more = () => {
				while (sent <= CRL_MAX_BYTES + chunk.length) {
					sent += chunk.length;
					if (!res.write(chunk)) return void res.once('drain', more);
				}
				res.end();
			};
			more();
		});
		await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
		const base = `http://127.0.0.1:${(big.address() as { port: number }).port}`;
		try {
			await expect(downloadCrl(`${base}/big`, 5_000)).rejects.toThrow(`it sent more than ${CRL_MAX_BYTES} bytes`);
			await expect(downloadCrl(`${base}/silent`, 300)).rejects.toThrow('no answer within 300 ms');
		} finally {
			big.closeAllConnections();
			big.close();
		}
	});
});

// The clerk's check, taken from the README as printed (the block after "The time-stamp's own
// validation data") and run with bash in a folder holding the certificate and the TSA's root.
function readmeClerkCheck(): string {
	const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
	const at = readme.indexOf("**The time-stamp's own validation data.**");
	const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
	if (at < 0 || !block) throw new Error('README.md has no "time-stamp\'s own validation data" commands');
	return block[1];
}
const CLERK = readmeClerkCheck();

describe.skipIf(noTools || !hasTool('jq', ['--version']))('the clerk’s by-hand check (the README’s commands)', () => {
	it('says OK for a certificate whose DSS has the CRLs, and refuses one whose TSA certificate is revoked', async () => {
		const run = async (t: TestTsa) => {
			const dir = mkdtempSync(join(tmp, 'clerk-'));
			writeFileSync(join(dir, 'certificate.pdf'), (await sign(t)).pdf);
			copyFileSync(t.caFile, join(dir, 'tsa-ca.pem'));
			return spawnSync('bash', ['-c', CLERK], { cwd: dir, encoding: 'utf8' });
		};
		const good = await newTsa();
		const ok = await run(good);
		expect(ok.stdout + ok.stderr).toBe('tsa.pem: OK\n');
		expect(ok.status).toBe(0);
		const revoked = await newTsa();
		revoked.revokeTsa();
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		try {
			const bad = await run(revoked);
			expect(bad.status).not.toBe(0);
			expect(bad.stdout + bad.stderr).toContain('certificate revoked');
		} finally {
			warn.mockRestore();
		}
	});
});
