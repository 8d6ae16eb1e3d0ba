// The court's next hearing on a referral: a clerk records it on a phone; the dashboard flags a hearing
// within 14 days while the course is not complete; a date before the referral is refused; it clears.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

const inDays = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('the next hearing', () => {
	it('is recorded by the clerk on a phone and flagged on the dashboard while the course is not complete', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.clerk);
		await page.click('table a:has-text("Thomas Brandt")');
		await page.waitForSelector('h2:has-text("Next hearing")');

		await page.fill('#nextHearingDate', '2001-01-01');
		await page.click('button:has-text("Save the hearing date")');
		await page.waitForSelector('#hearing-error');
		assert.match(await page.textContent('#hearing-error'), /before the referral/);

		await page.fill('#nextHearingDate', inDays(7));
		await Promise.all([page.waitForURL(/hearing=1/), page.click('button:has-text("Save the hearing date")')]);
		assert.match(await page.textContent('main'), /course not complete/);
		await axe(page, 'referral with a hearing date');

		await page.goto(`${BASE}/court`);
		const row = page.locator('tbody tr', { hasText: 'Thomas Brandt' });
		assert.match(await row.innerText(), /Soon, not complete/);
		await axe(page, 'court dashboard with a hearing soon');
		await shot(page, 'court-hearing-phone');

		await row.locator('a').first().click();
		await page.waitForSelector('h2:has-text("Next hearing")');
		await Promise.all([page.waitForURL(/hearing=1/), page.click('button:has-text("Clear it")')]);
		assert.match(await page.textContent('main'), /Next hearing\s*Not recorded/);
		await context.close();
	});
});
