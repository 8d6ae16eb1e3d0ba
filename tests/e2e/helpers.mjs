import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';

export const BASE = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';
export const WORK = process.env.E2E_WORK ?? '/tmp';
export const SHOTS = 'tests/e2e/screenshots';
mkdirSync(SHOTS, { recursive: true });

export const accounts = {
	admin: { email: 'admin@demo.johnschool.test', password: 'violet harbor lantern sixty' },
	facilitator: { email: 'facilitator@demo.johnschool.test', password: 'copper meadow whistle ninety' },
	clerk: { email: 'clerk@demo.johnschool.test', password: 'granite willow compass eleven' },
	participant: { email: 'thomas@demo.johnschool.test', password: 'river stone maple thirty' }
};

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
}

/** A context whose pages fail the test on any browser console error (a CSP violation, a crash). */
export async function newPage(browser, viewport = DESKTOP) {
	const context = await browser.newContext({ viewport, acceptDownloads: true });
	const page = await context.newPage();
	page.consoleErrors = [];
	page.on('console', (m) => {
		// A refused request (4xx) is logged by the browser as an error; the tests assert those themselves.
		if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) page.consoleErrors.push(m.text());
	});
	page.on('pageerror', (e) => page.consoleErrors.push(e.message));
	// Wait for hydration after every full page load before the test types into the page.
	const goto = page.goto.bind(page);
	page.goto = async (url, opts) => {
		const response = await goto(url, opts);
		// Error pages thrown by the guard are static HTML with no JavaScript.
		if (response && response.status() < 400) await hydrated(page);
		return response;
	};
	return { context, page };
}

/** Waits until the page's JavaScript has taken over (see the marker in +layout.svelte). */
export async function hydrated(page) {
	try {
		await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 10_000 });
	} catch {
		// The forms work without JavaScript too; go on, but say so (a lost keystroke would show up next).
		console.warn(
			`note: ${page.url()} did not hydrate within 10 s; console: ${page.consoleErrors?.join(' | ') || 'quiet'}`
		);
	}
}

export async function login(page, who) {
	await page.goto(`${BASE}/login`);
	// Someone still signed in is sent on from /login; say so rather than wait for a form that never comes.
	if (new URL(page.url()).pathname !== '/login')
		throw new Error(`login as ${who.email}: /login sent this page on to ${page.url()}`);
	await page.fill('#email', who.email);
	await page.fill('#password', who.password);
	try {
		await Promise.all([
			page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }),
			page.click('main button[type=submit]')
		]);
	} catch (e) {
		throw new Error(
			`login as ${who.email} stayed on ${page.url()}: ${await page
				.locator('main')
				.innerText()
				.catch(() => '?')}`,
			{ cause: e }
		);
	}
}

/** axe-core on the current page: no violations at all. */
export async function axe(page, label) {
	const results = await new AxeBuilder({ page }).analyze();
	const summary = results.violations.map(
		(v) =>
			`${v.id} (${v.impact}): ${v.nodes
				.map((n) => n.target.join(' '))
				.slice(0, 3)
				.join(', ')}`
	);
	assert.deepEqual(summary, [], `axe violations on ${label ?? page.url()}`);
	assert.deepEqual(page.consoleErrors, [], `console errors on ${label ?? page.url()}`);
	// Nothing wider than the screen: on a phone a page must never scroll sideways.
	const overflow = await page.evaluate(() => {
		const width = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= width + 1) return null;
		const wide = [...document.querySelectorAll('main *')].find((el) => el.getBoundingClientRect().right > width + 1);
		return `${document.documentElement.scrollWidth}px > ${width}px; first: <${wide?.tagName.toLowerCase()} class="${wide?.className}">${wide?.textContent?.slice(0, 40)}`;
	});
	assert.equal(overflow, null, `the page scrolls sideways on ${label ?? page.url()}`);
	// On a phone, a table that turns into cards must not be cut off inside its scroll box either.
	const clipped = await page.evaluate(() => {
		if (document.documentElement.clientWidth > 480) return null;
		const box = [...document.querySelectorAll('.table-wrap')].find(
			(el) => el.querySelector('table.stack-sm, table.stack-md') && el.scrollWidth > el.clientWidth + 1
		);
		return box ? `${box.scrollWidth}px > ${box.clientWidth}px: ${box.textContent?.trim().slice(0, 60)}` : null;
	});
	assert.equal(clipped, null, `a table is wider than the phone on ${label ?? page.url()}`);
}

export async function shot(page, name) {
	await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

export function db() {
	return new Database(process.env.DATABASE_URL, { readonly: true });
}

/** The correct option ids of the questions on the quiz page (read from the database, as a grader key). */
export function correctOptions(questionIds) {
	const d = db();
	try {
		const rows = d
			.prepare(
				`select question_id, id from quiz_options where is_correct = 1 and question_id in (${questionIds.map(() => '?').join(',')})`
			)
			.all(...questionIds);
		return rows;
	} finally {
		d.close();
	}
}

/** One wrong option per question (for a failed attempt). */
export function wrongOptions(questionIds) {
	const d = db();
	try {
		return questionIds.map((q) => ({
			question_id: q,
			id: d
				.prepare('select id from quiz_options where is_correct = 0 and question_id = ? order by position limit 1')
				.get(q).id
		}));
	} finally {
		d.close();
	}
}

/** Ticks the given options on the quiz page and submits it. */
export async function answerQuiz(page, pick) {
	await page.waitForSelector('form fieldset');
	const ids = await page.$$eval('fieldset input', (els) => els.map((e) => e.id));
	const qids = [...new Set(ids.map((id) => id.split('-')[0]))];
	for (const o of pick(qids)) await page.check(`[id="${o.question_id}-${o.id}"]`);
	await page.click('main button[type=submit]');
}
