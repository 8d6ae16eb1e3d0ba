// The core flows without JavaScript (seat time is the one thing that needs it, and says so), and by
// keyboard alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, accounts, launch } from './helpers.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('without JavaScript', () => {
	it('signs in, shows the course, says seat time needs JavaScript, and saves a reflection draft', async () => {
		const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${BASE}/login`);
		await page.fill('#email', accounts.participant.email);
		await page.fill('#password', accounts.participant.password);
		await Promise.all([page.waitForURL(/\/learn/), page.click('main button[type=submit]')]);
		assert.match(await page.textContent('main'), /Your next step/);
		await page.click('ol.modules li:nth-child(1) h3 a');
		assert.match(await page.textContent('main'), /counted only with JavaScript turned on/);
		await page.goto(`${BASE}/learn`);
		const open = page.locator('ol.modules h3 a').last();
		await open.click();
		assert.ok((await page.locator('textarea').count()) > 0, 'an open module offers its reflection');
		await page.locator('textarea').first().fill('A draft written with JavaScript turned off.');
		await page.click('button[formaction="?/saveDraft"] >> nth=0');
		await page.waitForLoadState('load');
		assert.equal(await page.locator('textarea').first().inputValue(), 'A draft written with JavaScript turned off.');
		await context.close();
	});

	it('verifies a typed serial and code', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${BASE}/verify`);
		await page.fill('#serial', 'RC-2026-000001');
		await page.fill('#code', 'not the right code at all');
		await page.click('form[action="?/typed"] button');
		await page.waitForSelector('#result-title');
		assert.equal(await page.textContent('#result-title'), 'Not verified');
		await context.close();
	});
});

describe('by keyboard alone', () => {
	it('reaches the skip link first and signs in with Tab and Enter', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${BASE}/login`);
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Skip to content');
		await page.focus('#email');
		await page.keyboard.type(accounts.clerk.email);
		await page.keyboard.press('Tab');
		await page.keyboard.type(accounts.clerk.password);
		await Promise.all([page.waitForURL(/\/court/), page.keyboard.press('Enter')]);
		await context.close();
	});
});

describe('on a slow connection', () => {
	it('keeps what was typed before the page’s JavaScript arrived', async () => {
		const context = await browser.newContext({ viewport: PHONE });
		const page = await context.newPage();
		// Hold back every script for 1.5 s, as a slow phone connection would.
		await page.route('**/_app/immutable/**/*.js', async (route) => {
			await new Promise((r) => setTimeout(r, 1500));
			await route.continue();
		});
		await page.goto(`${BASE}/login`, { waitUntil: 'domcontentloaded' });
		assert.equal(
			await page.evaluate(() => document.documentElement.dataset.hydrated),
			undefined,
			'typed before hydration'
		);
		await page.fill('#email', accounts.clerk.email);
		await page.fill('#password', accounts.clerk.password);
		await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15_000 });
		assert.equal(await page.inputValue('#email'), accounts.clerk.email);
		assert.equal(await page.inputValue('#password'), accounts.clerk.password);
		await context.close();
	});
});
