// Screenshots of every role's pages at phone and desktop width, for a person to look at.
// Usage: node scripts/screenshots.mjs [baseUrl] [outDir]   (a server with the demo data must be running)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const out = process.argv[3] ?? 'tests/e2e/screenshots';
mkdirSync(out, { recursive: true });
const accounts = {
	participant: [
		'thomas@demo.johnschool.test',
		'river stone maple thirty',
		['/learn', '/learn/sessions', '/learn/my-data']
	],
	finished: ['kevin@demo.johnschool.test', 'autumn ledger bicycle forty', ['/learn', '/learn/complete']],
	facilitator: [
		'facilitator@demo.johnschool.test',
		'copper meadow whistle ninety',
		['/facilitate', '/facilitate/grading', '/facilitate/participants', '/facilitate/sessions', '/account/security']
	],
	court: [
		'clerk@demo.johnschool.test',
		'granite willow compass eleven',
		['/court', '/court/referrals/new', '/court/certificates']
	],
	admin: [
		'admin@demo.johnschool.test',
		'violet harbor lantern sixty',
		['/admin', '/admin/certificates', '/admin/program', '/admin/corrections']
	]
};
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-dev-shm-usage',
		'--disable-background-networking',
		'--disable-component-update',
		'--no-first-run'
	]
});
for (const [w, h, tag] of [
	[360, 800, 'phone'],
	[1280, 900, 'desktop']
]) {
	const ctx = await browser.newContext({ viewport: { width: w, height: h } });
	const page = await ctx.newPage();
	for (const p of ['/', '/login', '/login/reset', '/activate', '/verify']) {
		await page.goto(base + p);
		await page.screenshot({ path: `${out}/public${p.replace(/\//g, '_') || '_home'}-${tag}.png`, fullPage: true });
	}
	for (const [name, [email, password, pages]] of Object.entries(accounts)) {
		await ctx.clearCookies();
		await page.goto(base + '/login');
		await page.fill('#email', email);
		await page.fill('#password', password);
		await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
		for (const p of pages) {
			await page.goto(base + p);
			await page.screenshot({ path: `${out}/${name}${p.replace(/\//g, '_')}-${tag}.png`, fullPage: true });
		}
		if (name === 'court') {
			await page.goto(base + '/court');
			await Promise.all([page.waitForURL(/referrals\//), page.locator('table a').first().click()]);
			await page.screenshot({ path: `${out}/court_referral-${tag}.png`, fullPage: true });
		}
		if (name === 'participant') {
			await page.goto(base + '/learn');
			const link = page.locator('ol.modules a').last();
			await link.click();
			await page.waitForLoadState('networkidle');
			await page.screenshot({ path: `${out}/participant_module-${tag}.png`, fullPage: false });
		}
		if (name === 'facilitator') {
			await page.goto(base + '/facilitate/participants');
			await Promise.all([page.waitForURL(/participants/), page.locator('table a').first().click()]);
			await page.screenshot({ path: `${out}/facilitator_participant-${tag}.png`, fullPage: true });
		}
	}
	await ctx.close();
}
await browser.close();
console.log(`screenshots in ${out}`);
