// Staff two-factor sign-in in the browser: set it up from the account page, then sign in with a code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { generateHOTP } from '@oslojs/otp';
import { BASE, PHONE, axe, launch, login, newPage, shot } from './helpers.mjs';

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

before(async () => {
	const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'user:create', '--email', who.email, '--name', 'Dana Two-Factor', '--role', 'court', '--court', 'Ramsey County District Court (Second Judicial District)'], { input: `${who.password}\n`, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr + r.stdout);
	browser = await launch();
});
after(async () => {
	await browser?.close();
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

		await page.fill('#enable-code', '000000');
		await page.click('button:has-text("Turn on")');
		await page.waitForSelector('#enable-code-error');
		assert.match(await page.textContent('#enable-code-error'), /does not match/);

		const setupCode = codeFor(secret);
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
});
