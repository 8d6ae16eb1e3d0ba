// Staff two-factor sign-in in the browser: set it up from the account page, then sign in with a code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { generateHOTP } from '@oslojs/otp';
import Database from 'better-sqlite3';
import { BASE, DESKTOP, PHONE, axe, launch, login, newPage, shot } from './helpers.mjs';

const who = { email: 'two-factor.clerk@demo.johnschool.test', password: 'quartz orchard ladder seventy' };
let browser;

function codeFor(base32, stepOffset = 0) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of base32.replace(/\s+/g, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
	const bytes = new Uint8Array(Math.floor(bits.length / 8));
	for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
	return generateHOTP(bytes, BigInt(Math.floor(Date.now() / 30_000) + stepOffset), 6);
}

const COURT = 'Ramsey County District Court (Second Judicial District)';
const admin = { email: 'two-factor.admin@demo.johnschool.test', password: 'meadow lantern copper ninety one' };
const clerk = { email: 'two-factor.required@demo.johnschool.test', password: 'harbor violet ledger twenty two' };

function createUser(person, ...args) {
	const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'user:create', '--email', person.email, ...args], {
		input: `${person.password}\n`,
		encoding: 'utf8'
	});
	assert.equal(r.status, 0, r.stderr + r.stdout);
}

/** Sets two-factor up on the account page the browser is on; returns the key as the page shows it. */
async function setUpTwoFactor(page, person) {
	const secret = (await page.textContent('.totp-secret')).trim();
	await page.fill('#enable-password', person.password);
	await page.fill('#enable-code', codeFor(secret));
	await page.click('button:has-text("Turn on")');
	await page.waitForSelector('text=Two-factor sign-in is on');
	return secret;
}

before(async () => {
	createUser(who, '--name', 'Dana Two-Factor', '--role', 'court', '--court', COURT);
	createUser(admin, '--name', 'Ari Admin', '--role', 'admin', '--program', 'ramsey-opp');
	createUser(clerk, '--name', 'Casey Clerk', '--role', 'court', '--court', COURT);
	browser = await launch();
});
after(async () => {
	await browser?.close();
	// Whatever happened above, the other browser tests sign in without a second factor.
	const db = new Database(process.env.DATABASE_URL);
	const row = db.prepare("select settings_json from programs where slug = 'ramsey-opp'").get();
	const settings = JSON.parse(row.settings_json);
	delete settings.staffTwoFactorRequired;
	db.prepare("update programs set settings_json = ? where slug = 'ramsey-opp'").run(JSON.stringify(settings));
	db.close();
});

describe('staff two-factor sign-in', () => {
	it('is set up with an authenticator code and then asked for at every sign-in; a wrong or reused code is refused', async () => {
		const { context, page } = await newPage(browser, PHONE);
		await login(page, who);
		await page.goto(`${BASE}/account/security`);
		await axe(page, 'account security (set-up)');
		await shot(page, 'totp-setup-phone');
		const secret = (await page.textContent('.totp-secret')).trim();
		assert.match(secret, /^[A-Z2-7 ]{32,}$/);

		// The page carries no key of its own: the server keeps it.
		assert.equal(await page.locator('input[name=key]').count(), 0);
		await page.fill('#enable-password', who.password);
		await page.fill('#enable-code', '000000');
		await page.click('button:has-text("Turn on")');
		await page.waitForSelector('#enable-code-error');
		assert.match(await page.textContent('#enable-code-error'), /not right/);

		await page.fill('#enable-password', 'not the password of this account');
		await page.fill('#enable-code', codeFor(secret));
		await page.click('button:has-text("Turn on")');
		await page.waitForSelector('#enable-password-error:has-text("current password")');

		const setupCode = codeFor(secret);
		await page.fill('#enable-password', who.password);
		await page.fill('#enable-code', setupCode);
		await page.click('button:has-text("Turn on")');
		await page.waitForSelector('text=Two-factor sign-in is on');

		await page.click('header button:has-text("Sign out")');
		await page.waitForURL(/\/login/);
		await page.fill('#email', who.email);
		await page.fill('#password', who.password);
		await Promise.all([page.waitForURL(/\/login\/two-factor/), page.click('main button[type=submit]')]);
		await axe(page, 'two-factor step');

		// The password alone opens nothing.
		const direct = await page.goto(`${BASE}/court`);
		assert.match(page.url(), /\/login\/two-factor/, `went to ${page.url()} (${direct?.status()})`);

		await page.fill('#code', setupCode);
		await page.click('main button[type=submit]');
		await page.waitForSelector('#code-error');
		assert.match(await page.textContent('#code-error'), /already been used|not right/);
		await shot(page, 'totp-login-refused-phone');

		await page.fill('#code', codeFor(secret, 1));
		await Promise.all([page.waitForURL(/\/court/), page.click('main button[type=submit]')]);
		assert.match(await page.textContent('main'), /Referrals of your courts/);
		await context.close();
	});

	it('can be required of all staff by an admin who uses it; a clerk without it is taken to set it up first', async () => {
		const a = await newPage(browser, DESKTOP);
		await login(a.page, admin);
		await a.page.goto(`${BASE}/admin/program`);
		await a.page.check('input[name=staffTwoFactorRequired]');
		await a.page.click('button:has-text("Save sign-in setting")');
		await a.page.waitForSelector('text=Turn on two-factor sign-in for your own account first');
		await a.page.goto(`${BASE}/account/security`);
		await setUpTwoFactor(a.page, admin);
		await a.page.goto(`${BASE}/admin/program`);
		await a.page.check('input[name=staffTwoFactorRequired]');
		await a.page.click('button:has-text("Save sign-in setting")');
		await a.page.waitForSelector('text=Settings saved');
		await axe(a.page, 'program settings with two-factor required');

		const c = await newPage(browser, PHONE);
		await login(c.page, clerk);
		assert.match(c.page.url(), /\/account\/security\?required=1/);
		assert.match(await c.page.textContent('main'), /requires two-factor sign-in for all staff/);
		await axe(c.page, 'two-factor required');
		await shot(c.page, 'totp-required-phone');
		await c.page.goto(`${BASE}/court`);
		assert.match(c.page.url(), /\/account\/security/, 'no other page opens before set-up');
		await setUpTwoFactor(c.page, clerk);
		await Promise.all([c.page.waitForURL(/\/court$/), c.page.click('text=Continue to your work')]);
		assert.match(await c.page.textContent('main'), /Referrals of your courts/);
		await c.context.close();

		await a.page.goto(`${BASE}/admin/program`);
		await a.page.uncheck('input[name=staffTwoFactorRequired]');
		await a.page.click('button:has-text("Save sign-in setting")');
		await a.page.waitForSelector('text=Settings saved');
		assert.equal(await a.page.isChecked('input[name=staffTwoFactorRequired]'), false);
		await a.context.close();
	});
});
