import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalFacts, type CertificateFacts } from '../../domain/certificate-facts';
import { signFacts, signatureFingerprint, verifyFacts } from './sign';
import { sha256Hex } from '../ids';

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
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'js-sign-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Ed25519 over the facts', () => {
	const sig = signFacts(facts, privateKey);

	it('rejects a changed fact, another key, or a damaged signature', () => {
		expect(verifyFacts({ ...facts, caseNumber: '62-CR-26-1235' }, sig, publicKey)).toBe(false);
		expect(verifyFacts({ ...facts, seatSeconds: 29101 }, sig, publicKey)).toBe(false);
		expect(verifyFacts({ ...facts, offence: 'x' }, sig, publicKey)).toBe(false);
		expect(verifyFacts(facts, sig, other.publicKey)).toBe(false);
		const bytes = Buffer.from(sig, 'base64');
		bytes[10] ^= 1;
		expect(verifyFacts(facts, bytes.toString('base64'), publicKey)).toBe(false);
		expect(verifyFacts(facts, 'not base64 at all', publicKey)).toBe(false);
		expect(verifyFacts({ ...facts, seatSeconds: 1.5 }, sig, publicKey)).toBe(false);
	});

	it('verifies the facts it signed, whatever their key order or Unicode form', () => {
		expect(Buffer.from(sig, 'base64')).toHaveLength(64);
		expect(verifyFacts(facts, sig, publicKey)).toBe(true);
		const reordered = Object.fromEntries(Object.entries(facts).reverse()) as unknown as CertificateFacts;
		expect(verifyFacts(reordered, sig, publicKey)).toBe(true);
		const decomposed = { ...facts, participantName: 'Jose\u0301 Rami\u0301rez' };
		expect(verifyFacts(decomposed, sig, publicKey)).toBe(true);
	});

	it('prints a short grouped fingerprint', () => {
		expect(signatureFingerprint(sig)).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4}){3}$/);
		expect(signatureFingerprint(sig)).toBe(signatureFingerprint(sig));
		expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});

	it.skipIf(!hasOpenssl)('verifies with OpenSSL, outside our software (skipped when openssl is missing)', () => {
		writeFileSync(join(tmp, 'facts.json'), canonicalFacts(facts), 'utf8');
		writeFileSync(join(tmp, 'sig.bin'), Buffer.from(sig, 'base64'));
		writeFileSync(join(tmp, 'pub.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
		const args = [
			'pkeyutl',
			'-verify',
			'-pubin',
			'-inkey',
			'pub.pem',
			'-rawin',
			'-in',
			'facts.json',
			'-sigfile',
			'sig.bin'
		];
		expect(execFileSync('openssl', args, { cwd: tmp, encoding: 'utf8' })).toContain('Signature Verified Successfully');
		writeFileSync(join(tmp, 'facts.json'), canonicalFacts({ ...facts, court: 'Another Court' }), 'utf8');
		const bad = spawnSync('openssl', args, { cwd: tmp, encoding: 'utf8' });
		expect(bad.status).not.toBe(0);
		expect(bad.stdout + bad.stderr).toContain('Signature Verification Failure');
	});
});

if (!hasOpenssl) console.warn('openssl not found: the independent Ed25519 check was skipped');
