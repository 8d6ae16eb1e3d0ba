// A CA with exactly our names, made by anyone: only the fingerprint tells it from ours, and trusting it
// must not make our certificates read as trusted. Checked with openssl and poppler's pdfsig (NSS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateFacts } from '../../domain/certificate-facts';
import { createCa } from './ca-folder';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { produceCertificate } from './produce';

const found = (tool: string, args: string[]) => spawnSync(tool, args).error === undefined;
const tools = found('pdfsig', ['-v']) && found('certutil', ['-H']) && found('openssl', ['version']);
if (!tools)
	console.warn(
		`pdfsig, certutil or openssl not found: the look-alike CA check ${process.env.CI ? 'FAILS under CI' : 'is SKIPPED'}`
	);

const tmp = mkdtempSync(join(tmpdir(), 'js-lookalike-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NAME = 'Trust Test Program';
let keys: LoadedKeys;
let ourCa: string;
let fakeCa: string;
let pdf: string;

function openssl(args: string[]): string {
	return execFileSync('openssl', args, { encoding: 'utf8' }).trim();
}

/** A fresh NSS database holding one CA, trusted for signed documents (",C,": NSS checks PDF signers as e-mail signers). */
function nssTrusting(caPem: string): string {
	const dir = mkdtempSync(join(tmp, 'nss-'));
	execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
	execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'program-ca', '-t', ',C,', '-i', caPem]);
	return dir;
}

describe.skipIf(!tools && !process.env.CI)('a look-alike CA with the same names', () => {
	beforeAll(async () => {
		generateKeys(join(tmp, 'keys'), {
			programName: NAME,
			caDir: join(tmp, 'ca'),
			crlUrl: 'https://johnschool.test/api/v1/keys/ca.crl'
		});
		keys = loadKeys(join(tmp, 'keys'));
		ourCa = join(tmp, 'keys', 'ca.cert.pem');
		fakeCa = join(tmp, 'fake-ca.pem');
		writeFileSync(fakeCa, createCa(join(tmp, 'fake'), { slug: null, name: NAME }, new Date()).certPem);

		const f: CertificateFacts = {
			v: 1,
			serial: 'TT-2026-000042',
			program: NAME,
			provider: 'Test Provider',
			participantName: 'Test Person',
			dateOfBirth: '1990-02-03',
			court: 'Test District Court',
			caseNumber: '62-CR-26-0042',
			offence: null,
			curriculumVersion: '1.0',
			completedAt: '2026-06-01',
			seatSeconds: 28_800,
			attestation: { name: 'Test Person', signedAt: '2026-06-01T15:00:00.000Z' },
			signedOffBy: 'Test Facilitator',
			issuedAt: '2026-06-01T16:00:00.000Z',
			keyId: keys.ed25519.keyId
		};
		const out = await produceCertificate({
			facts: f,
			code: 'k7qx2m9prt4wabcdefghijklmn',
			verifyUrl: `https://johnschool.test/verify/${f.serial}?code=k7qx2m9prt4wabcdefghijklmn`,
			ed25519PrivateKey: keys.ed25519.privateKey,
			signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase },
			pdfSignature: {
				reason: 'Certificate of completion',
				name: f.provider,
				location: f.program,
				contactInfo: 'https://johnschool.test',
				signingTime: new Date(f.issuedAt)
			}
		});
		pdf = join(tmp, 'certificate.pdf');
		writeFileSync(pdf, out.pdf);
	});

	it('reads exactly like ours by its names, and only the SHA-256 fingerprint differs', () => {
		expect(openssl(['x509', '-in', fakeCa, '-noout', '-subject', '-issuer'])).toBe(
			openssl(['x509', '-in', ourCa, '-noout', '-subject', '-issuer'])
		);
		const ours = openssl(['x509', '-in', ourCa, '-noout', '-fingerprint', '-sha256']);
		const theirs = openssl(['x509', '-in', fakeCa, '-noout', '-fingerprint', '-sha256']);
		expect(ours).toBe(`sha256 Fingerprint=${keys.ca.fingerprintSha256}`);
		expect(theirs).not.toBe(ours);
	});

	it('trusted in place of ours, does not make pdfsig call our certificate trusted', () => {
		const out = spawnSync('pdfsig', ['-nssdir', `sql:${nssTrusting(fakeCa)}`, pdf], { encoding: 'utf8' }).stdout;
		expect(out).toContain('Signature is Valid');
		expect(out).not.toContain('Certificate is Trusted');
		expect(out).toMatch(/Certificate issuer is unknown|Certificate issuer isn't Trusted/);
	});

	it('while our CA, trusted, does', () => {
		const out = spawnSync('pdfsig', ['-nssdir', `sql:${nssTrusting(ourCa)}`, pdf], { encoding: 'utf8' }).stdout;
		expect(out).toContain('Signature is Valid');
		expect(out).toContain('Certificate is Trusted');
	});
});
