// A person's own account page: change the password (the current one asked again) and see and end
// the other sessions, on a phone; a participant has the same page without two-factor.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, DESKTOP, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

const COURT = 'Ramsey County District Court (Second Judicial District)';
const clerk = { email: 'account.page.clerk@demo.johnschool.test', password: 'pebble harbour violin eighty' };
const NEW_PASSWORD = 'lantern orchard copper ninety seven';
let browser;

before(async () => {
	const r = spawnSync(
		'npx',
		[
			'tsx',
			'src/cli/main.ts',
			'user:create',
			'--email',
			clerk.email,
			'--name',
			'Robin Account',
			'--role',
			'court',
			'--court',
			COURT
		],
		{ input: `${clerk.password}\n`, encoding: 'utf8' }
	);
	assert.equal(r.status, 0, r.stderr + r.stdout);
	browser = await launch();
});
after(() => browser?.close());

describe('own account page', () => {
	it('changes the password with the current one, and signs the other session out', async () => {
		const desk = await newPage(browser, DESKTOP);
		await login(desk.page, clerk);
		const phone = await newPage(browser, PHONE);
		await login(phone.page, clerk);
		await phone.page.goto(`${BASE}/account/security`);
		assert.equal(await phone.page.locator('li.session').count(), 2);
		await axe(phone.page, 'account page (staff, phone)');
		await shot(phone.page, 'account-staff-phone');

		await phone.page.fill('#current-password', 'not my current password at all');
		await phone.page.fill('#new-password', NEW_PASSWORD);
		await phone.page.click('button:has-text("Change password")');
		await phone.page.waitForSelector('#current-password-error');
		assert.match(await phone.page.textContent('#current-password-error'), /not your current password/);

		await phone.page.fill('#current-password', clerk.password);
		await phone.page.fill('#new-password', 'password password password');
		await phone.page.click('button:has-text("Change password")');
		await phone.page.waitForSelector('#new-password-error');

		await phone.page.fill('#current-password', clerk.password);
		await phone.page.fill('#new-password', NEW_PASSWORD);
		await phone.page.click('button:has-text("Change password")');
		await phone.page.waitForSelector('text=Your password is changed');
		assert.match(await phone.page.textContent('main'), /1 other session\(s\) were signed out/);
		await axe(phone.page, 'account page after a change');

		// The desktop session is over; the phone's goes on.
		await desk.page.goto(`${BASE}/court`);
		assert.match(desk.page.url(), /\/login/);
		await phone.page.goto(`${BASE}/court`);
		assert.match(phone.page.url(), /\/court$/);
		await desk.context.close();
		await phone.context.close();
	});

	it('ends one other session from the list', async () => {
		const a = await newPage(browser, DESKTOP);
		await login(a.page, { email: clerk.email, password: NEW_PASSWORD });
		const b = await newPage(browser, PHONE);
		await login(b.page, { email: clerk.email, password: NEW_PASSWORD });
		await b.page.goto(`${BASE}/account/security`);
		await b.page.click('li.session form button:has-text("Sign out")');
		await b.page.waitForSelector('text=1 session(s) signed out');
		await a.page.goto(`${BASE}/court`);
		assert.match(a.page.url(), /\/login/);
		await a.context.close();
		await b.context.close();
	});

	it('is there for a participant too, without two-factor', async () => {
		const { context, page } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.goto(`${BASE}/account/security`);
		assert.equal(await page.locator('#enable-code').count(), 0);
		assert.match(await page.textContent('main'), /Change your password/);
		await axe(page, 'account page (participant, phone)');
		await shot(page, 'account-participant-phone');
		await context.close();
	});
});
