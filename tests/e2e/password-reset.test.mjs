// A participant who forgot his password: a facilitator makes a reset code on a tablet; he uses it
// on his phone with his date of birth, and is signed in (his other sessions end).
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

const TABLET = { width: 820, height: 1180 };
let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

function dateOfBirth(email) {
	const db = new Database(process.env.DATABASE_URL, { readonly: true });
	const row = db
		.prepare('select e.date_of_birth d from enrollments e join users u on u.id = e.user_id where u.email = ?')
		.get(email);
	db.close();
	return row.d;
}

describe('a forgotten password', () => {
	it('is replaced with a code from the program, typed on his phone with his date of birth', async () => {
		// He is signed in somewhere else (a shared phone, say): that session must end.
		const elsewhere = await newPage(browser, PHONE);
		await login(elsewhere.page, accounts.participant);

		const staff = await newPage(browser, TABLET);
		await login(staff.page, accounts.facilitator);
		await staff.page.goto(`${BASE}/facilitate/participants`);
		await staff.page.click('table a:has-text("Thomas Brandt")');
		await staff.page.click('button:has-text("Make a reset code")');
		await staff.page.waitForSelector('.reset-code');
		const code = (await staff.page.textContent('.reset-code')).trim();
		assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
		await axe(staff.page, 'participant record with a reset code');
		await staff.context.close();

		const him = await newPage(browser, PHONE);
		await him.page.goto(`${BASE}/login`);
		await Promise.all([
			him.page.waitForURL(/\/login\/reset$/),
			him.page.click('text=Use a reset code from the program')
		]);
		await axe(him.page, 'reset page');
		await him.page.fill('#code', code);
		await him.page.fill('#dateOfBirth', '1901-01-01');
		await him.page.fill('#password', 'not the right birthday at all');
		await him.page.click('main button[type=submit]');
		await him.page.waitForSelector('.notice.bad');
		assert.match(await him.page.textContent('.notice.bad'), /do not match/);
		assert.equal(await him.page.inputValue('#code'), code, 'the code he typed is kept');
		await shot(him.page, 'reset-refused-phone');

		await him.page.fill('#dateOfBirth', dateOfBirth(accounts.participant.email));
		// The same password again, so the other browser tests still sign in with it.
		await him.page.fill('#password', accounts.participant.password);
		await Promise.all([him.page.waitForURL(/\/learn\?reset=1$/), him.page.click('main button[type=submit]')]);
		assert.match(await him.page.textContent('main'), /Your new password is saved/);
		await him.context.close();

		await elsewhere.page.goto(`${BASE}/learn`);
		assert.match(elsewhere.page.url(), /\/login/, 'the other session has ended');
		await elsewhere.context.close();
	});
});
