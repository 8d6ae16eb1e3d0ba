// A participant sees, on a phone, all the data the program keeps about him, and downloads it
// (Minn. Stat. § 13.04 subd. 3); staff are refused, and each download is audited.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { BASE, DESKTOP, PHONE, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

let browser;

function exportsLogged() {
	const db = new Database(process.env.DATABASE_URL, { readonly: true });
	const row = db
		.prepare(
			"select count(*) n from audit_log where action = 'participant.record.export' and actor_id = (select id from users where email = ?)"
		)
		.get(accounts.participant.email);
	db.close();
	return row.n;
}
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('the data we keep about you', () => {
	it('shows the participant his referral, progress and words on a phone, and lets him download them', async () => {
		// Other test files may have downloaded it too (the access matrix does): count from here.
		const exportsBefore = exportsLogged();
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.click('text=The data we keep about you');
		await page.waitForSelector('h1:has-text("The data we keep about you")');
		const text = await page.textContent('main');
		assert.match(text, /Legal name/);
		assert.match(text, /Data practices notice/);
		assert.match(text, /Quiz attempts/);
		await axe(page, 'my data');
		await shot(page, 'my-data-phone');

		const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download all of it')]);
		const body = JSON.parse(
			await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'))
		);
		assert.equal(body.account.email, accounts.participant.email);
		assert.ok(body.referral.legalName && body.referral.caseNumber);
		assert.ok(Array.isArray(body.modules) && Array.isArray(body.reflections));
		await context.close();

		assert.equal(exportsLogged(), exportsBefore + 1);
	});

	it('takes his correction request; an admin answers it, and he reads the answer', async () => {
		const him = await newPage(browser, PHONE);
		await login(him.page, accounts.participant);
		await him.page.goto(`${BASE}/learn/my-data`);
		await him.page.fill('#body', 'wrong');
		await him.page.click('button:has-text("Send the request")');
		await him.page.waitForSelector('#body-error');
		assert.equal(await him.page.inputValue('#body'), 'wrong', 'what he typed is kept');
		await him.page.fill('#body', 'My phone number is 651-555-0199, not the one on the referral.');
		await him.page.click('button:has-text("Send the request")');
		await him.page.waitForSelector('text=Your request was sent to the program');
		assert.match(await him.page.textContent('#corrections'), /Waiting/);
		await axe(him.page, 'my data with a request');

		const admin = await newPage(browser, DESKTOP);
		await login(admin.page, accounts.admin);
		await admin.page.goto(`${BASE}/admin`);
		await Promise.all([
			admin.page.waitForURL(/\/admin\/corrections$/),
			admin.page.click('main a.button:has-text("Correction requests")')
		]);
		await admin.page.click('table a:has-text("Thomas")');
		await admin.page.waitForSelector('#selected-h');
		await admin.page.fill('#phone', '651-555-0199');
		await admin.page.click('button:has-text("Save the corrected record")');
		await admin.page.waitForSelector('text=The record was corrected (1 field(s)).');
		await axe(admin.page, 'correction request');
		await shot(admin.page, 'admin-correction-desktop');
		await admin.page.check('input[name=decision][value=corrected]');
		await admin.page.fill('#response', 'Your phone number is corrected. Thank you.');
		await admin.page.click('button:has-text("Record the answer")');
		await admin.page.waitForSelector('text=The answer was recorded');
		await admin.context.close();

		await him.page.reload();
		const section = await him.page.textContent('#corrections');
		assert.match(section, /Corrected/);
		assert.match(section, /Your phone number is corrected/);
		assert.match(await him.page.textContent('main'), /651-555-0199/);
		await him.context.close();
	});

	it('is not for staff', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.facilitator);
		assert.equal((await page.goto(`${BASE}/learn/my-data`)).status(), 403);
		assert.equal((await page.goto(`${BASE}/learn/my-data/download`)).status(), 403);
		assert.equal((await page.goto(`${BASE}/admin/corrections`)).status(), 403);
		await context.close();
	});
});
