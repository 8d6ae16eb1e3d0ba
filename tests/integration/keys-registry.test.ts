// The key registry (signing_keys) and what the server publishes and warns about, on both databases.
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clock } from '../../src/lib/server/clock';
import {
	ensureSigningReady,
	keyWarnings,
	signingKeys,
	useSigningKeys
} from '../../src/lib/server/certificates/certificate-keys';
import { refreshCrl, revokeKey } from '../../src/lib/server/certificates/key-lifecycle';
import { generateKeys, loadKeys } from '../../src/lib/server/certificates/keys-folder';
import { listSigningKeys, syncSigningKeys } from '../../src/lib/server/certificates/signing-keys.queries';
import { publishedKeys } from '../../src/lib/server/certificates/trust.service';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const CRL_URL = 'https://johnschool.test/api/v1/keys/ca.crl';

forEachDb('signing key registry', (ctx) => {
	const tmp = mkdtempSync(join(tmpdir(), 'js-keyreg-'));
	/** A new folder per test and per database run. */
	const fresh = (name: string) => mkdtempSync(join(tmp, `${name}-`));
	afterAll(() => rmSync(tmp, { recursive: true, force: true }));
	afterEach(() => {
		vi.restoreAllMocks();
		useSigningKeys(null);
	});

	/** Keys made, rotated once, and the first pair revoked from a date. */
	function rotatedAndRevoked(name: string) {
		const base = fresh(name);
		const dir = join(base, 'keys');
		const caDir = join(base, 'ca');
		const first = generateKeys(dir, { programName: 'Registry Program', caDir, crlUrl: CRL_URL });
		const second = generateKeys(dir, { programName: 'Registry Program', caDir, crlUrl: CRL_URL });
		revokeKey(dir, { caDir, keyId: first.pdfKeyId, from: new Date(Date.now() - 86_400_000), reason: 'key-compromise' });
		return { dir, caDir, first, second };
	}

	it('never brings a revoked or retired key back to active, whatever an older keys.json says', async () => {
		const { dir, first } = rotatedAndRevoked('monotonic');
		const now = loadKeys(dir).records;
		await syncSigningKeys(ctx.db, now, clock.iso());
		const stale = now.map((r) => ({
			...r,
			retiredAt: null,
			revokedFrom: null,
			revokedAt: null,
			revocationReason: null
		}));
		await syncSigningKeys(ctx.db, stale, clock.iso());
		const rows = new Map((await listSigningKeys(ctx.db)).map((r) => [r.id, r]));
		expect(rows.get(first.pdfKeyId)).toMatchObject({ status: 'revoked', revocationReason: 'key-compromise' });
		expect(rows.get(first.ed25519KeyId)!.status).toBe('revoked');
	});

	it('publishes every key with its status, the CA with the fingerprint openssl prints, and the CRL', async () => {
		const { dir, first, second } = rotatedAndRevoked('published');
		expect(await ensureSigningReady(dir, ctx.db)).toBe(true);
		const body = await publishedKeys(ctx.db, 'http://127.0.0.1:3000');
		const byId = new Map(body.keys.map((k) => [k.keyId, k]));
		expect(byId.get(first.pdfKeyId)).toMatchObject({
			kind: 'pdf-signing-certificate',
			status: 'revoked',
			revocationReason: 'key-compromise'
		});
		expect(byId.get(first.pdfKeyId)!.compromisedFrom).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(byId.get(first.pdfKeyId)!.retiredAt).toBe(byId.get(second.pdfKeyId)!.createdAt);
		expect(byId.get(first.ed25519KeyId)!.status).toBe('revoked');
		expect(byId.get(second.pdfKeyId)).toMatchObject({ status: 'active', retiredAt: null, compromisedFrom: null });
		expect(byId.get(second.ed25519KeyId)).toMatchObject({ kind: 'ed25519', status: 'active' });
		expect(byId.get(second.pdfKeyId)!.pem).toContain('BEGIN CERTIFICATE');
		const opensslFp = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
			input: body.ca!.pem,
			encoding: 'utf8'
		}).trim();
		expect(opensslFp).toBe(`sha256 Fingerprint=${body.ca!.fingerprintSha256}`);
		expect(body.ca).toMatchObject({
			subject: 'Registry Program Certificate Authority',
			pemUrl: 'http://127.0.0.1:3000/api/v1/keys/ca.pem'
		});
		expect(body.crl!.url).toBe('http://127.0.0.1:3000/api/v1/keys/ca.crl');
		expect(new Date(body.crl!.nextUpdate).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
	});

	it('warns at start while the CA key is still in the keys folder, and the admin overview gets the same sentence', async () => {
		const base = fresh('legacy');
		const dir = join(base, 'keys');
		generateKeys(dir, { programName: 'Legacy Program', caDir: join(base, 'ca'), crlUrl: CRL_URL });
		cpSync(join(base, 'ca', 'ca.key.pem'), join(dir, 'ca.key.pem'));
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		expect(await ensureSigningReady(dir, ctx.db)).toBe(true);
		const said = warn.mock.calls.map((c) => String(c[0]));
		expect(
			said.some((l) =>
				/^\[keys\] The CA private key \(ca\.key\.pem\) is in the server's keys folder .*keys:move-ca --to/.test(l)
			)
		).toBe(true);
		expect(keyWarnings().some((w) => w.includes('keys:move-ca'))).toBe(true);
		rmSync(join(dir, 'ca.key.pem'));
		expect(keyWarnings().some((w) => w.includes('keys:move-ca'))).toBe(false);
	});

	it('warns from 7 days before the CRL runs out, and picks up a fresh one without a restart', async () => {
		const base = fresh('crl');
		const dir = join(base, 'keys');
		const caDir = join(base, 'ca');
		generateKeys(dir, { programName: 'CRL Program', caDir, crlUrl: CRL_URL, crlDays: 6 });
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		await ensureSigningReady(dir, ctx.db);
		expect(
			warn.mock.calls.some((c) =>
				/^\[keys\] The program CA's revocation list runs out on .* \(in 6 day\(s\)\)/.test(String(c[0]))
			)
		).toBe(true);
		expect(keyWarnings()).toHaveLength(1);

		const renewed = refreshCrl(caDir, dir, { days: 30 });
		clock.advance(6_000); // the server looks at the file at most every 5 seconds
		const k = signingKeys();
		expect(k.ok && k.keys.crl?.nextUpdate).toBe(renewed.nextUpdate);
		expect(keyWarnings()).toEqual([]);
	});

	it('warns while the active signer certificate names no CRL (made before it did), until the keys are rotated', async () => {
		const base = fresh('no-cdp');
		const dir = join(base, 'keys');
		generateKeys(dir, { programName: 'Old Signer Program', caDir: join(base, 'ca'), crlUrl: null });
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		await ensureSigningReady(dir, ctx.db);
		expect(keyWarnings()).toEqual([
			expect.stringMatching(/^The active signing certificate does not say where its revocation list is published/)
		]);
		generateKeys(dir, { programName: 'Old Signer Program', caDir: join(base, 'ca'), crlUrl: CRL_URL });
		await ensureSigningReady(dir, ctx.db);
		expect(keyWarnings()).toEqual([]);
	});

	it('says issuing is disabled on the admin overview when there are no keys', async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		expect(await ensureSigningReady(join(tmp, 'nothing-here'), ctx.db)).toBe(false);
		expect(keyWarnings()[0]).toMatch(/^Certificates cannot be issued: No signing keys in .*nothing-here/);
	});
});
