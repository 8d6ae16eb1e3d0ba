import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeys, loadKeys, type GenerateSummary, type KeyManifest } from './keys';
import { signFacts, verifyFacts } from './sign';

const root = mkdtempSync(join(tmpdir(), 'js-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadKeys', () => {
	it('refuses a folder without keys and says how to make them', () => {
		expect(() => loadKeys(join(root, 'nothing'))).toThrow(
			/No signing keys in .*nothing: run `npm run cli -- keys:generate`/
		);
	});
});

describe('generateKeys', () => {
	const dir = join(root, 'keys');
	const now = new Date('2026-01-15T10:00:00.000Z');
	let first: GenerateSummary;
	beforeAll(() => {
		first = generateKeys(dir, { programName: 'Test Program', now });
	});

	it('writes secret files only the owner can read', () => {
		for (const f of first.files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
		expect(first.caCreated).toBe(true);
	});

	it('names the Ed25519 key by the SHA-256 of its raw public key', () => {
		const keys = loadKeys(dir);
		const raw = keys.ed25519.publicKeys.get(first.ed25519KeyId)!.keyObject.export({ format: 'jwk' }).x!;
		const id = createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16);
		expect(id).toBe(first.ed25519KeyId);
		expect(keys.ed25519.privateKey.asymmetricKeyType).toBe('ed25519');
	});

	it('issues a signer certificate from the program CA, usable for document signing', () => {
		const keys = loadKeys(dir);
		const ca = new X509Certificate(keys.caCertPem);
		const signer = new X509Certificate(keys.pdf.certPem);
		expect(ca.subject).toContain('CN=Test Program Certificate Authority');
		expect(ca.ca).toBe(true);
		expect(signer.subject).toContain('CN=Test Program Certificate Signing');
		expect(signer.ca).toBe(false);
		expect(signer.checkIssued(ca)).toBe(true);
		expect(signer.verify(ca.publicKey)).toBe(true);
		expect(signer.keyUsage).toContain('1.3.6.1.5.5.7.3.4'); // emailProtection (X509 lists EKU here)
		expect(new Date(signer.validTo).getUTCFullYear()).toBe(2029);
		expect(new Date(ca.validTo).getUTCFullYear()).toBe(2036);
		const der = signer.raw;
		expect(createHash('sha256').update(der).digest('hex').slice(0, 16)).toBe(first.pdfKeyId);
		expect(keys.pdf.p12.length).toBeGreaterThan(1000);
	});

	it('rotates: reuses the CA, activates new keys, keeps the old public key so old facts verify', () => {
		const before = loadKeys(dir);
		const facts = { hello: 'world' } as never;
		const oldSig = signFacts(facts, before.ed25519.privateKey);
		const caPem = readFileSync(join(dir, 'ca.cert.pem'), 'utf8');

		const second = generateKeys(dir, { programName: 'Test Program' });
		expect(second.caCreated).toBe(false);
		expect(readFileSync(join(dir, 'ca.cert.pem'), 'utf8')).toBe(caPem);
		expect(second.ed25519KeyId).not.toBe(first.ed25519KeyId);

		const after = loadKeys(dir);
		expect(after.ed25519.keyId).toBe(second.ed25519KeyId);
		expect(after.pdf.keyId).toBe(second.pdfKeyId);
		expect([...after.ed25519.publicKeys.keys()]).toEqual([first.ed25519KeyId, second.ed25519KeyId]);
		expect([...after.pdf.certs.keys()]).toEqual([first.pdfKeyId, second.pdfKeyId]);
		const oldKey = after.ed25519.publicKeys.get(first.ed25519KeyId)!.keyObject;
		expect(verifyFacts(facts, oldSig, oldKey)).toBe(true);
		expect(new X509Certificate(after.pdf.certPem).checkIssued(new X509Certificate(caPem))).toBe(true);

		const manifest = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as KeyManifest;
		expect(manifest.active).toEqual({ ed25519: second.ed25519KeyId, pdf: second.pdfKeyId });
		expect(manifest.pdf.map((k) => k.p12File)).toEqual([
			`signer-${first.pdfKeyId}.p12`,
			`signer-${second.pdfKeyId}.p12`
		]);
	});
});
