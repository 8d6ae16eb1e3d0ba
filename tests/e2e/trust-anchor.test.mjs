// The trust anchor as a court gets it from the built server: the program CA and its CRL at their
// stable addresses with the right content types, the fingerprint on /verify equal to what openssl
// computes from the served CA, the one-page sheet for court staff, and a fresh CRL served without a
// restart. Checked with openssl and poppler, never with our own code.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE, DESKTOP, PHONE, SHOTS, WORK, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

const dir = mkdtempSync(join(WORK, 'trust-'));
const file = (name, bytes) => {
	const path = join(dir, name);
	writeFileSync(path, bytes);
	return path;
};
const openssl = (...args) => execFileSync('openssl', args, { encoding: 'utf8' }).trim();

async function get(path) {
	const r = await fetch(`${BASE}${path}`);
	assert.equal(r.status, 200, `${path} answered ${r.status}`);
	return { type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()), headers: r.headers };
}

let caPem;
let fingerprint;

describe('the program CA at its stable addresses', () => {
	before(async () => {
		const pem = await get('/api/v1/keys/ca.pem');
		assert.equal(pem.type, 'application/x-pem-file');
		caPem = file('ca.pem', pem.bytes);
		fingerprint = openssl('x509', '-in', caPem, '-noout', '-fingerprint', '-sha256').replace('sha256 Fingerprint=', '');
	});

	it('publishes the CA, its fingerprint (as openssl computes it) and the CRL in GET /api/v1/keys, keeping the keys array', async () => {
		const r = await get('/api/v1/keys');
		assert.match(r.type, /^application\/json/);
		const body = JSON.parse(r.bytes.toString('utf8'));
		assert.equal(body.ca.fingerprintSha256, fingerprint);
		assert.equal(body.ca.pem.trim(), (await get('/api/v1/keys/ca.pem')).bytes.toString('utf8').trim());
		assert.equal(body.crl.url, `${BASE}/api/v1/keys/ca.crl`);
		const active = body.keys
			.filter((k) => k.status === 'active')
			.map((k) => k.kind)
			.sort();
		assert.deepEqual(active, ['ed25519', 'pdf-signing-certificate']);
		for (const k of body.keys)
			assert.ok(k.keyId && k.pem, 'every key keeps keyId and pem (the README recipe reads them)');
		// The signer certificate names the stable CRL address (openssl x509 -text).
		const signer = file(
			'signer.pem',
			body.keys.find((k) => k.kind === 'pdf-signing-certificate' && k.status === 'active').pem
		);
		assert.match(
			openssl('x509', '-in', signer, '-noout', '-text'),
			new RegExp(`URI:${BASE.replace(/[.]/g, '\\.')}/api/v1/keys/ca\\.crl`)
		);
	});

	it('serves the CA as DER for Adobe Reader (application/pkix-cert), the same certificate', async () => {
		const cer = await get('/api/v1/keys/ca.cer');
		assert.equal(cer.type, 'application/pkix-cert');
		assert.equal(
			openssl('x509', '-inform', 'DER', '-in', file('ca.cer', cer.bytes), '-noout', '-fingerprint', '-sha256'),
			`sha256 Fingerprint=${fingerprint}`
		);
	});

	it('serves the CRL as DER (application/pkix-crl), signed by that CA', async () => {
		const crl = await get('/api/v1/keys/ca.crl');
		assert.equal(crl.type, 'application/pkix-crl');
		const path = file('ca.crl', crl.bytes);
		const r = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', path, '-CAfile', caPem, '-noout'], {
			encoding: 'utf8'
		});
		assert.match(`${r.stdout}${r.stderr}`, /verify OK/);
		assert.match(openssl('crl', '-inform', 'DER', '-in', path, '-noout', '-text'), /Next Update: /);
	});

	it('picks up a fresh CRL from keys:crl without a restart', async () => {
		const number = async () =>
			openssl(
				'crl',
				'-inform',
				'DER',
				'-in',
				file('n.crl', (await get('/api/v1/keys/ca.crl')).bytes),
				'-noout',
				'-crlnumber'
			);
		const before = await number();
		const run = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'keys:crl', '--ca-dir', `${process.env.KEYS_DIR}-ca`], {
			encoding: 'utf8',
			env: process.env
		});
		assert.equal(run.status, 0, run.stderr);
		let now = before;
		// The server looks at the file at most every 5 seconds.
		for (let i = 0; i < 40 && now === before; i++) {
			await new Promise((r) => setTimeout(r, 250));
			now = await number();
		}
		assert.notEqual(now, before);
	});
});

describe('the fingerprint and the trust sheet, as court staff see them', () => {
	let browser;
	before(async () => (browser = await launch()));
	after(async () => browser?.close());

	for (const [label, viewport] of [
		['phone', PHONE],
		['desktop', DESKTOP]
	]) {
		it(`shows on /verify the fingerprint openssl computes from the served CA (${label})`, async () => {
			const { context, page } = await newPage(browser, viewport);
			await page.goto(`${BASE}/verify`);
			assert.equal((await page.locator('#ca-fingerprint').innerText()).trim(), fingerprint);
			assert.equal(await page.locator('a[href="/verify/trust.pdf"]').count(), 1);
			await axe(page, `/verify (${label})`);
			await shot(page, `verify-trust-${label}`);
			await context.close();
		});
	}

	it('links the sheet from the court area', async () => {
		const { context, page } = await newPage(browser);
		await login(page, accounts.clerk);
		await page.goto(`${BASE}/court`);
		assert.equal(await page.locator('main a[href="/verify/trust.pdf"]').count(), 1);
		await context.close();
	});

	it('shows the admin no key warning while the CRL is current and the CA key is away', async () => {
		const { context, page } = await newPage(browser);
		await login(page, accounts.admin);
		await page.goto(`${BASE}/admin`);
		assert.equal(await page.getByText('Signing keys:').count(), 0);
		await context.close();
	});

	it('serves a one-page PDF carrying the fingerprint (pdftotext), looked at as PNG (pdftoppm)', async () => {
		const r = await get('/verify/trust.pdf');
		assert.equal(r.type, 'application/pdf');
		const pdf = file('trust.pdf', r.bytes);
		assert.match(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }), /^Pages:\s+1$/m);
		const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
		const bytes = fingerprint.split(':');
		for (let i = 0; i < 32; i += 8)
			assert.ok(text.includes(bytes.slice(i, i + 8).join(':')), `line ${i / 8 + 1} of the fingerprint is on the sheet`);
		assert.ok(text.includes(`${BASE}/api/v1/keys/ca.cer`));
		execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', pdf, join(SHOTS, 'trust-sheet')]);
	});
});
