// The keys folder and the CA folder, checked with openssl where a court's tools would look: the signer
// certificate (`openssl x509 -text`), the CRL (`openssl crl -text`) and chain checks against the CRL
// (`openssl verify -crl_check`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeys, loadKeys, readManifest, type GenerateSummary } from './keys-folder';
import { moveCa, refreshCrl, revokeKey } from './key-lifecycle';
import { caKeyWarning, crlWarning } from './key-warnings';
import { signFacts, verifyFacts } from './sign';
import { derToPem } from './x509';

const root = mkdtempSync(join(tmpdir(), 'js-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CRL_URL = 'https://johnschool.test/api/v1/keys/ca.crl';
const DAY = 86_400_000;

function openssl(args: string[]): { status: number | null; out: string } {
	const r = spawnSync('openssl', args, { encoding: 'utf8' });
	return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The keys folder's CRL as PEM, for `openssl verify -CRLfile`. */
function crlPem(dir: string): string {
	const file = join(dir, 'crl.pem');
	expect(openssl(['crl', '-inform', 'DER', '-in', join(dir, 'ca.crl'), '-out', file]).status).toBe(0);
	return file;
}

/** `openssl verify -crl_check` at a given time (the tests' CRLs are dated by their own clock). */
function verifyAt(dir: string, keyId: string, at: Date, crl = crlPem(dir)): { status: number | null; out: string } {
	return openssl([
		'verify',
		'-attime',
		String(Math.floor(at.getTime() / 1000)),
		'-crl_check',
		'-CRLfile',
		crl,
		'-CAfile',
		join(dir, 'ca.cert.pem'),
		signerPem(dir, keyId)
	]);
}

function signerPem(dir: string, keyId: string): string {
	return join(dir, `signer-${keyId}.cert.pem`);
}

describe('loadKeys', () => {
	it('refuses a folder without keys and says how to make them', () => {
		expect(() => loadKeys(join(root, 'nothing'))).toThrow(
			/No signing keys in .*nothing: run `npm run cli -- keys:generate --ca-dir <CA folder>`/
		);
	});
});

describe('generateKeys refusals', () => {
	it('refuses to keep the CA in the keys folder itself', () => {
		const dir = join(root, 'same');
		expect(() => generateKeys(dir, { programName: 'P', caDir: dir, crlUrl: CRL_URL })).toThrow(
			/must not be the keys folder/
		);
		expect(existsSync(dir)).toBe(false);
	});

	it('refuses a keys folder that still holds the CA key, naming keys:move-ca', () => {
		const dir = join(root, 'legacy-refusal');
		generateKeys(dir, { programName: 'P', caDir: join(root, 'legacy-refusal-ca'), crlUrl: CRL_URL });
		cpSync(join(root, 'legacy-refusal-ca', 'ca.key.pem'), join(dir, 'ca.key.pem'));
		expect(() =>
			generateKeys(dir, { programName: 'P', caDir: join(root, 'legacy-refusal-ca'), crlUrl: CRL_URL })
		).toThrow(/CA private key is still in the keys folder .*keys:move-ca --to/);
	});

	it('refuses to make a second CA for a keys folder whose CA folder is not given', () => {
		const dir = join(root, 'lost-ca');
		generateKeys(dir, { programName: 'P', caDir: join(root, 'lost-ca-ca'), crlUrl: CRL_URL });
		expect(() => generateKeys(dir, { programName: 'P', caDir: join(root, 'empty-ca'), crlUrl: CRL_URL })).toThrow(
			/holds no CA key, but the keys folder .* already has keys under a CA/
		);
		expect(existsSync(join(root, 'empty-ca', 'ca.key.pem'))).toBe(false);
	});

	it("refuses a CA folder of another CA than the keys folder's", () => {
		generateKeys(join(root, 'other'), { programName: 'P', caDir: join(root, 'other-ca'), crlUrl: CRL_URL });
		expect(() =>
			generateKeys(join(root, 'lost-ca'), { programName: 'P', caDir: join(root, 'other-ca'), crlUrl: CRL_URL })
		).toThrow(/holds another CA's certificate/);
	});
});

describe('generateKeys and rotation', () => {
	const dir = join(root, 'keys');
	const caDir = join(root, 'ca-offline');
	const now = new Date('2026-01-15T10:00:00.000Z');
	let first: GenerateSummary;
	let second: GenerateSummary;
	let firstSig: string;
	beforeAll(() => {
		first = generateKeys(dir, { programName: 'Test Program', programSlug: 'test', caDir, crlUrl: CRL_URL, now });
		firstSig = signFacts({ hello: 'world' } as never, loadKeys(dir).ed25519.privateKey);
	});

	it('keeps the CA private key out of the keys folder, and every file owner-only', () => {
		expect(first.caCreated).toBe(true);
		expect(readdirSync(dir)).not.toContain('ca.key.pem');
		const caPublic = createPublicKey(readFileSync(join(caDir, 'ca.key.pem'))).export({ format: 'der', type: 'spki' });
		const privateKeysInKeysFolder = readdirSync(dir).filter((f) =>
			readFileSync(join(dir, f), 'utf8').includes('PRIVATE KEY')
		);
		expect(privateKeysInKeysFolder).toEqual([`ed25519-${first.ed25519KeyId}.key.pem`]);
		for (const f of privateKeysInKeysFolder)
			expect(
				createPublicKey(readFileSync(join(dir, f)))
					.export({ format: 'der', type: 'spki' })
					.equals(caPublic)
			).toBe(false);
		for (const f of first.files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
		expect(statSync(join(caDir, 'ca.key.pem')).mode & 0o777).toBe(0o600);
		expect(statSync(caDir).mode & 0o777).toBe(0o700);
	});

	it('names the Ed25519 key by the SHA-256 of its raw public key', () => {
		const keys = loadKeys(dir);
		const raw = keys.ed25519.publicKeys.get(first.ed25519KeyId)!.keyObject.export({ format: 'jwk' }).x!;
		expect(createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16)).toBe(
			first.ed25519KeyId
		);
	});

	it('issues a signer certificate named after the program, naming its CRL distribution point (openssl x509 -text)', () => {
		const text = openssl(['x509', '-in', signerPem(dir, first.pdfKeyId), '-noout', '-text']).out;
		expect(text).toContain('Subject: O = Test Program, CN = Test Program Certificate Signing');
		expect(text).toContain('Issuer: O = Test Program, CN = Test Program Certificate Authority');
		expect(text).toMatch(
			/X509v3 CRL Distribution Points: *\n\s+Full Name:\n\s+URI:https:\/\/johnschool\.test\/api\/v1\/keys\/ca\.crl/
		);
		expect(text).toContain('CA Issuers - URI:https://johnschool.test/api/v1/keys/ca.cer');
		expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature, Non Repudiation/);
		expect(text).toContain('E-mail Protection');
		const keys = loadKeys(dir);
		const ca = new X509Certificate(keys.caCertPem);
		const signer = new X509Certificate(keys.pdf.certPem);
		expect(signer.checkIssued(ca) && signer.verify(ca.publicKey)).toBe(true);
		expect(ca.ca).toBe(true);
		expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
		expect(new Date(signer.validTo).getUTCFullYear()).toBe(2029);
		expect(new Date(ca.validTo).getUTCFullYear()).toBe(2046);
		expect(createHash('sha256').update(signer.raw).digest('hex').slice(0, 16)).toBe(first.pdfKeyId);
	});

	it("exposes the CA with the fingerprint openssl prints, and the keys folder's CRL with its dates", () => {
		const keys = loadKeys(dir);
		expect(keys.caCertPem).toBe(keys.ca.certPem);
		expect(derToPem(keys.ca.certDer)).toBe(keys.ca.certPem);
		expect(openssl(['x509', '-in', join(dir, 'ca.cert.pem'), '-noout', '-fingerprint', '-sha256']).out.trim()).toBe(
			`sha256 Fingerprint=${keys.ca.fingerprintSha256}`
		);
		expect(keys.crl!.nextUpdate).toBe(new Date(now.getTime() + 30 * DAY).toISOString());
		const text = openssl(['crl', '-inform', 'DER', '-in', join(dir, 'ca.crl'), '-noout', '-text']).out;
		expect(text).toContain('Last Update: Jan 15 10:00:00 2026 GMT');
		expect(text).toContain('Next Update: Feb 14 10:00:00 2026 GMT');
		expect(text).toContain('No Revoked Certificates.');
		expect(verifyAt(dir, first.pdfKeyId, new Date(now.getTime() + DAY)).out).toContain(': OK');
	});

	it('rotates: the same CA and signer name (even after the program is renamed), the old keys marked retired and still verifying', () => {
		const later = new Date('2027-03-01T08:00:00.000Z');
		second = generateKeys(dir, {
			programName: 'Renamed Program',
			programSlug: 'test',
			caDir,
			crlUrl: CRL_URL,
			now: later
		});
		expect(second.caCreated).toBe(false);
		expect(second.retired).toEqual({ ed25519: first.ed25519KeyId, pdf: first.pdfKeyId });
		expect(second.nameNote).toMatch(/keep the CA's name "Test Program"/);
		const subject = (id: string) => openssl(['x509', '-in', signerPem(dir, id), '-noout', '-subject']).out;
		expect(subject(second.pdfKeyId)).toBe(subject(first.pdfKeyId));

		const after = loadKeys(dir);
		expect([after.ed25519.keyId, after.pdf.keyId]).toEqual([second.ed25519KeyId, second.pdfKeyId]);
		expect(
			verifyFacts({ hello: 'world' } as never, firstSig, after.ed25519.publicKeys.get(first.ed25519KeyId)!.keyObject)
		).toBe(true);
		const byId = new Map(after.records.map((r) => [r.id, r]));
		expect(byId.get(first.pdfKeyId)!.retiredAt).toBe(later.toISOString());
		expect(byId.get(first.ed25519KeyId)!.retiredAt).toBe(later.toISOString());
		expect(byId.get(second.pdfKeyId)!.retiredAt).toBeNull();
		expect(after.crl!.thisUpdate).toBe(later.toISOString());
	});

	describe('revokeKey', () => {
		const revokeNow = new Date('2027-04-01T12:00:00.000Z');

		it('refuses the key the server signs with, a date in the future, and a key it does not know', () => {
			expect(() =>
				revokeKey(dir, {
					caDir,
					keyId: second.pdfKeyId,
					from: new Date('2027-03-20'),
					reason: 'key-compromise',
					now: revokeNow
				})
			).toThrow(/the key the server signs with now: make new keys first/);
			expect(() =>
				revokeKey(dir, {
					caDir,
					keyId: first.pdfKeyId,
					from: new Date('2027-05-01'),
					reason: 'key-compromise',
					now: revokeNow
				})
			).toThrow(/--from is in the future/);
			expect(() =>
				revokeKey(dir, {
					caDir,
					keyId: 'feedfacefeedface',
					from: new Date('2027-03-20'),
					reason: 'key-compromise',
					now: revokeNow
				})
			).toThrow(/No key feedfacefeedface/);
			expect(readManifest(dir)!.pdf.every((k) => !k.revokedFrom)).toBe(true);
		});

		it('puts the retired signer on the CRL from the given date: openssl shows the serial and dates, and refuses the revoked signer only', () => {
			// Named by its Ed25519 id: the pair goes together.
			const r = revokeKey(dir, {
				caDir,
				keyId: first.ed25519KeyId,
				from: new Date('2027-03-20T00:00:00Z'),
				reason: 'key-compromise',
				now: revokeNow
			});
			expect(r).toMatchObject({ pdfKeyId: first.pdfKeyId, ed25519KeyId: first.ed25519KeyId, already: false });
			const serial = openssl(['x509', '-in', signerPem(dir, first.pdfKeyId), '-noout', '-serial'])
				.out.trim()
				.replace('serial=', '');
			expect(r.serial!.toUpperCase()).toBe(serial);

			const text = openssl(['crl', '-inform', 'DER', '-in', join(dir, 'ca.crl'), '-noout', '-text']).out;
			expect(text).toContain(`Serial Number: ${serial}`);
			expect(text).toContain('Revocation Date: Mar 20 00:00:00 2027 GMT');
			expect(text).toMatch(/CRL Reason Code: *\n\s+Key Compromise/);
			expect(text).toMatch(/Invalidity Date: *\n\s+Mar 20 00:00:00 2027 GMT/);
			expect(text).toContain('Last Update: Apr  1 12:00:00 2027 GMT');
			expect(text).toContain('Next Update: May  1 12:00:00 2027 GMT');
			expect(readFileSync(join(caDir, 'ca.crl')).equals(readFileSync(join(dir, 'ca.crl')))).toBe(true);

			const crl = crlPem(dir);
			const revoked = verifyAt(dir, first.pdfKeyId, revokeNow, crl);
			expect(revoked.status).not.toBe(0);
			expect(revoked.out).toContain('certificate revoked');
			const good = verifyAt(dir, second.pdfKeyId, revokeNow, crl);
			expect(good.status).toBe(0);

			const rec = new Map(loadKeys(dir).records.map((x) => [x.id, x]));
			expect(rec.get(first.pdfKeyId)).toMatchObject({
				revokedFrom: '2027-03-20T00:00:00.000Z',
				revocationReason: 'key-compromise',
				revokedAt: revokeNow.toISOString()
			});
			expect(rec.get(first.ed25519KeyId)!.revokedFrom).toBe('2027-03-20T00:00:00.000Z');
		});

		it('says so and changes nothing when the key is already revoked', () => {
			const crl = readFileSync(join(dir, 'ca.crl'));
			const again = revokeKey(dir, {
				caDir,
				keyId: first.pdfKeyId,
				from: new Date('2027-03-25'),
				reason: 'superseded',
				now: revokeNow
			});
			expect(again).toMatchObject({ already: true, from: '2027-03-20T00:00:00.000Z' });
			expect(readFileSync(join(dir, 'ca.crl')).equals(crl)).toBe(true);
		});
	});

	describe('refreshCrl', () => {
		it('issues a fresh CRL with thisUpdate now and the given nextUpdate, numbered up, still listing the revoked signer', () => {
			const at = new Date('2027-04-20T09:30:00.000Z');
			const before = openssl(['crl', '-inform', 'DER', '-in', join(dir, 'ca.crl'), '-noout', '-crlnumber']).out.trim();
			const r = refreshCrl(caDir, dir, { now: at, days: 10 });
			expect(r.written).toEqual([join(caDir, 'ca.crl'), join(dir, 'ca.crl')]);
			const out = openssl([
				'crl',
				'-inform',
				'DER',
				'-in',
				join(dir, 'ca.crl'),
				'-noout',
				'-lastupdate',
				'-nextupdate',
				'-crlnumber'
			]).out;
			expect(out).toContain('lastUpdate=Apr 20 09:30:00 2027 GMT');
			expect(out).toContain('nextUpdate=Apr 30 09:30:00 2027 GMT');
			expect(Number.parseInt(out.match(/crlNumber=(\w+)/)![1], 16)).toBe(
				Number.parseInt(before.replace('crlNumber=', ''), 16) + 1
			);
			expect(r.revoked).toBe(1);
			expect(loadKeys(dir).crl!.nextUpdate).toBe('2027-04-30T09:30:00.000Z');
		});

		it('refuses to write into a keys folder of another CA, keeping the CRL in the CA folder', () => {
			expect(() => refreshCrl(caDir, join(root, 'other'))).toThrow(/belongs to another CA .* the new CRL is in/);
		});
	});
});

describe('moveCa (deployments made while the CA key lived in the keys folder)', () => {
	const dir = join(root, 'old-deployment');
	let pdfKeyId: string;
	beforeAll(() => {
		// As the earlier version left it: the CA key and certificate in the keys folder, no CA folder, no CRL.
		const made = generateKeys(dir, { programName: 'Old Program', caDir: join(root, 'old-ca-tmp'), crlUrl: null });
		pdfKeyId = made.pdfKeyId;
		cpSync(join(root, 'old-ca-tmp', 'ca.key.pem'), join(dir, 'ca.key.pem'));
		rmSync(join(root, 'old-ca-tmp'), { recursive: true });
		rmSync(join(dir, 'ca.crl'));
	});

	it('warns while the CA key is in the keys folder', () => {
		expect(caKeyWarning(true, dir)).toMatch(
			/CA private key \(ca\.key\.pem\) is in the server's keys folder .*keys:move-ca --to/
		);
		expect(caKeyWarning(false, dir)).toBeNull();
	});

	it('refuses a target inside the keys folder, and one that already holds a CA, leaving the key where it is', () => {
		expect(() => moveCa(dir, join(dir, 'sub'))).toThrow(/outside the keys folder/);
		expect(() => moveCa(dir, join(root, 'ca-offline'))).toThrow(/already holds a CA key/);
		expect(existsSync(join(dir, 'ca.key.pem'))).toBe(true);
	});

	it('moves the key out, records the signers, issues a first CRL, and the keys then rotate from the new folder', () => {
		const key = readFileSync(join(dir, 'ca.key.pem'), 'utf8');
		const movedAt = new Date();
		const r = moveCa(dir, join(root, 'moved-ca'), movedAt);
		expect(r).toMatchObject({ signers: 1, activeNamesCrl: false });
		expect(existsSync(join(dir, 'ca.key.pem'))).toBe(false);
		expect(readFileSync(join(root, 'moved-ca', 'ca.key.pem'), 'utf8')).toBe(key);
		expect(
			JSON.parse(readFileSync(join(root, 'moved-ca', 'ca.json'), 'utf8')).issued.map((i: { keyId: string }) => i.keyId)
		).toEqual([pdfKeyId]);
		expect(verifyAt(dir, pdfKeyId, new Date(movedAt.getTime() + DAY)).status).toBe(0);
		expect(() => moveCa(dir, join(root, 'again'))).toThrow(/no CA key in .*nothing to move/);

		const rotated = generateKeys(dir, { programName: 'Old Program', caDir: join(root, 'moved-ca'), crlUrl: CRL_URL });
		expect(rotated.caCreated).toBe(false);
		expect(openssl(['x509', '-in', signerPem(dir, rotated.pdfKeyId), '-noout', '-text']).out).toContain(
			'URI:https://johnschool.test/api/v1/keys/ca.crl'
		);
	});
});

describe('crlWarning', () => {
	const now = new Date('2026-05-10T12:00:00Z');
	it('warns when there is no CRL, when it has run out, and from 7 days before it runs out', () => {
		expect(crlWarning(null, now)).toMatch(/no current revocation list .*keys:crl --ca-dir/);
		expect(crlWarning({ nextUpdate: '2026-05-10T11:59:59.000Z' }, now)).toMatch(/ran out on 2026-05-10/);
		expect(crlWarning({ nextUpdate: '2026-05-17T12:00:00.000Z' }, now)).toMatch(
			/runs out on 2026-05-17 \(in 7 day\(s\)\)/
		);
	});
	it('says nothing while more than 7 days are left', () => {
		expect(crlWarning({ nextUpdate: '2026-05-17T12:00:01.000Z' }, now)).toBeNull();
	});
});
