// The registry in the browser: a superseded serial names the current end of its chain and its
// status, with the reason and the changed field names only; who checked a certificate, for the
// court's staff (their own courts only) and for the admin (the whole log, by serial); a signed
// court evidence packet that an anonymous upload calls genuine, and a changed copy altered.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BASE, PHONE, WORK, accounts, axe, db, launch, login, newPage, shot } from './helpers.mjs';

let browser;
let chain;
let kevin;
before(async () => {
	const r = spawnSync('npx', ['tsx', 'tests/e2e/support/registry-chain.ts'], { env: process.env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	chain = JSON.parse(r.stdout.trim().split('\n').pop());
	const d = db();
	try {
		kevin = d
			.prepare(
				"select e.id as enrollmentId, c.id, c.serial from enrollments e join users u on u.id = e.user_id join certificates c on c.enrollment_id = e.id and c.status = 'valid' where u.email = ?"
			)
			.get('kevin@demo.johnschool.test');
		kevin.pdf = join(WORK, 'registry-kevin.pdf');
		writeFileSync(kevin.pdf, d.prepare('select pdf from certificate_files where certificate_id = ?').get(kevin.id).pdf);
	} finally {
		d.close();
	}
	// Earlier test files made deliberate wrong guesses from this address: start with a clean slate.
	const w = new Database(process.env.DATABASE_URL);
	w.prepare("delete from rate_limits where key like 'verify:%'").run();
	w.close();
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

async function upload(page, file) {
	await page.goto(`${BASE}/verify`);
	await page.setInputFiles('#pdf', file);
	await page.click('text=Check the file');
	await page.waitForSelector('#result-title, #packet-title');
}

describe('the registry', () => {
	it('tells the holder of a superseded certificate which one is current and that it was revoked, on a phone', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await upload(page, chain.aPdf);
		assert.equal(await page.textContent('#result-title'), 'Superseded certificate');
		const current = await page.textContent('#current-certificate');
		assert.match(current, new RegExp(`The current certificate is ${chain.c}, which is\\s+revoked`));
		// As read, not as the markup is laid out: white space collapsed, as a browser shows it.
		const text = (await page.textContent('main')).replace(/\s+/g, ' ');
		assert.match(text, new RegExp(`Replaced by ?${chain.b}`));
		assert.match(text, /Changed: legal name\. Reason given: Suffix missing on the referral/);
		// The corrected name is the participant's data: the holder of A's file does not learn it.
		assert.doesNotMatch(text, /Jr\.|Junior/);
		// C's own revocation reason is for holders of C.
		assert.doesNotMatch(text, /recorded in error/);
		await axe(page, 'verify: superseded, chain revoked');
		await shot(page, 'verify-chain-revoked-phone');
		await context.close();
	});

	it('says the same through the JSON API, adding fields only', async () => {
		const res = await fetch(`${BASE}/api/v1/certificates/verify`, {
			method: 'POST',
			headers: { 'content-type': 'application/pdf' },
			body: readFileSync(chain.aPdf)
		});
		assert.equal(res.status, 200);
		const j = await res.json();
		for (const k of [
			'serial',
			'status',
			'participantName',
			'caseNumber',
			'court',
			'completedAt',
			'issuedAt',
			'sha256',
			'keyId',
			'match',
			'supersededBy'
		])
			assert.ok(k in j, k);
		assert.equal(j.supersededBy, chain.b);
		assert.equal(j.currentSerial, chain.c);
		assert.equal(j.currentStatus, 'revoked');
		assert.deepEqual(j.replacedBy.changedFields, ['legal_name']);
		assert.doesNotMatch(JSON.stringify(j), /Jr\.|Junior/);
	});

	it('shows the clerk who checked a certificate of his court, and 404 for another program’s', async () => {
		// An anonymous check first, so there is something to see.
		const anon = await newPage(browser);
		await upload(anon.page, kevin.pdf);
		assert.equal(await anon.page.textContent('#result-title'), 'Valid certificate');
		await anon.context.close();

		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.clerk);
		await page.goto(`${BASE}/court/certificates`);
		await page.click(`a[href="/court/certificates/${kevin.id}"]`);
		await page.waitForSelector('#checks-title');
		const checks = await page.textContent('table.checks');
		assert.match(checks, /anonymous/);
		assert.match(checks, /PDF uploaded/);
		assert.doesNotMatch(checks, /127\.0\.0\.1/);
		await axe(page, 'court certificate page');
		await shot(page, 'court-certificate-checks-phone');
		const other = await page.goto(`${BASE}/court/certificates/${chain.aId}`);
		assert.equal(other.status(), 404);
		await context.close();

		const d = db();
		try {
			const viewed = d
				.prepare("select count(*) as n from audit_log where action = 'certificate.view' and target_id = ?")
				.get(kevin.id);
			assert.ok(viewed.n >= 1, 'the view is audited');
		} finally {
			d.close();
		}
	});

	it('gives the admin the verification log, filtered by serial, and the checks on the certificate page', async () => {
		for (const viewport of [PHONE, undefined]) {
			const { page, context } = await newPage(browser, viewport);
			await login(page, accounts.admin);
			await page.goto(`${BASE}/admin/verifications`);
			assert.match(await page.textContent('main'), /Intact/);
			await page.fill('#serial', kevin.serial);
			await page.click('form[role=search] button[type=submit]');
			await page.waitForURL((u) => u.searchParams.get('serial') === kevin.serial);
			const rows = await page.locator('table.checks tbody tr').allTextContents();
			assert.ok(rows.length >= 1);
			assert.ok(rows.every((r) => r.includes(kevin.serial)));
			await axe(page, 'admin verification log');
			await shot(page, `admin-verifications-${viewport ? 'phone' : 'desktop'}`);

			await page.goto(`${BASE}/admin/certificates/${kevin.id}`);
			await page.waitForSelector('#checks-title');
			assert.match(await page.textContent('table.checks'), /anonymous/);
			await axe(page, 'admin certificate page with checks');
			await shot(page, `admin-certificate-checks-${viewport ? 'phone' : 'desktop'}`);
			await context.close();
		}
	});

	it('makes a signed evidence packet that an anonymous upload calls genuine without naming him, and a changed copy altered', async () => {
		const { page, context } = await newPage(browser);
		await login(page, accounts.clerk);
		await page.goto(`${BASE}/court/referrals/${kevin.enrollmentId}`);
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.click('a:has-text("Download the evidence packet")')
		]);
		const file = join(WORK, 'registry-packet.pdf');
		await download.saveAs(file);
		await context.close();
		if (existsSync('/usr/bin/pdfsig')) {
			const out = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
			assert.match(out, /Signature is Valid\./);
		}
		const bytes = readFileSync(file);
		const number = bytes.toString('latin1').match(/[A-Z][A-Z0-9]*-EP-\d{4}-\d{6}/)?.[0];
		assert.ok(number, 'the packet carries its number');

		const anon = await newPage(browser, PHONE);
		await upload(anon.page, file);
		assert.equal(await anon.page.textContent('#packet-title'), 'Genuine evidence packet');
		const text = await anon.page.textContent('main');
		assert.match(text, new RegExp(number));
		assert.doesNotMatch(text, /Kevin|Marsh/);
		await axe(anon.page, 'verify: genuine evidence packet');
		await shot(anon.page, 'verify-packet-genuine-phone');

		const changed = Buffer.from(bytes);
		const at = changed.indexOf('stream', changed.indexOf(' obj')) + 20;
		changed[at] ^= 1;
		const altered = join(WORK, 'registry-packet-altered.pdf');
		writeFileSync(altered, changed);
		await upload(anon.page, altered);
		assert.equal(await anon.page.textContent('#result-title'), 'Altered document');
		assert.match(await anon.page.textContent('main'), new RegExp(`court evidence packet ${number}`));
		await axe(anon.page, 'verify: altered evidence packet');
		await shot(anon.page, 'verify-packet-altered-phone');
		await anon.context.close();
	});
});
