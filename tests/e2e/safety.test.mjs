// Safety flags in the browser: an answer the phrase screen caught waits first in the grading queue
// and in Safety flags; a facilitator on a tablet reads it, raises a flag of his own, and closes both
// with what was done.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BASE, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

const TABLET = { width: 820, height: 1180 };
let browser;
let him;
before(async () => {
	const r = spawnSync('npx', ['tsx', 'tests/e2e/support/worried-participant.ts'], {
		env: process.env,
		encoding: 'utf8'
	});
	assert.equal(r.status, 0, r.stderr);
	him = JSON.parse(r.stdout.trim().split('\n').pop());
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('safety flags', () => {
	it('bring a worrying answer to a facilitator first, and are closed with what was done', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/grading`);
		const first = await page.textContent('tbody tr:first-child');
		assert.match(first, new RegExp(him.legalName));
		assert.match(first, /Safety flag: read first/);

		await page.click('nav a:has-text("Safety flags")');
		await page.waitForSelector('h1:has-text("Safety flags")');
		assert.match(await page.textContent('main'), /Possible risk of self-harm/);
		assert.match(await page.textContent('main'), /Possible involvement of a minor/);
		await axe(page, 'safety flags');
		await shot(page, 'safety-flags-tablet');

		await page.goto(`${BASE}/facilitate/grading/${him.submissionId}`);
		assert.match(await page.textContent('main'), /Safety flag:/);
		await page.click('summary:has-text("Raise a safety flag")');
		await page.selectOption('#flag-category', 'other');
		await page.click('button:has-text("Raise the flag")');
		// The browser's own check stops an empty note; without it the server says the same.
		assert.equal(await page.locator('#flag-note').evaluate((el) => el.validity.valueMissing), true);
		await page.fill('#flag-note', 'Mentions not wanting to be alive; call him today.');
		await page.click('button:has-text("Raise the flag")');
		await page.waitForSelector('text=The safety flag is raised');
		await axe(page, 'grading page with safety flags');

		await page.goto(`${BASE}/facilitate/safety`);
		const forms = page.locator('form[action="?/resolve"]');
		const open = await forms.count();
		assert.equal(open >= 3, true, `${open} open flags`);
		await forms.first().locator('textarea').fill('short');
		await forms.first().locator('button').click();
		await page.waitForSelector('.error');
		assert.match(await page.textContent('.error'), /at least 10 characters/);
		for (let i = 0; i < open; i++) {
			const form = page.locator('form[action="?/resolve"]').first();
			await form.locator('textarea').fill('Called him the same day and referred him to the program lead.');
			await Promise.all([page.waitForURL(/resolved=1/), form.locator('button').click()]);
		}
		assert.match(await page.textContent('main'), /No open flag/);
		assert.match(await page.textContent('nav[aria-label="Facilitator area"]'), /Safety flags\s*0/);
		await context.close();
	});
});
