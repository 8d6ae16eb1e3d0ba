// Staff searches by name, case number or serial travel in a POST body, never in a URL (SECURITY #17:
// URLs end up in browser history, server and proxy logs and Referer headers). The court's certificate
// search and the facilitator's participant search, with and without JavaScript: who may not first,
// then the result, its audit entry (once per search), the non-personal filters kept in the URL, and
// every request URL the browser saw checked for what was typed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, accounts, axe, db, launch, login, newPage } from './helpers.mjs';

const KEVIN = { name: 'Kevin Marsh', caseNumber: '62-CR-26-0877' };
const THOMAS = { name: 'Thomas Brandt', caseNumber: '62-CR-26-1042' };
let browser;

before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/** Every request the page makes, with its method and body. */
function watch(page) {
	const seen = [];
	page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() ?? '' }));
	return seen;
}

/** No URL carries `typed` (in any spelling a URL may use); it went in a POST body as `q`. */
function typedOnlyInBodies(seen, typed) {
	const needle = typed.toLowerCase();
	for (const r of seen) {
		let u = r.url;
		try {
			u = decodeURIComponent(r.url.replace(/\+/g, ' '));
		} catch {
			// not percent-encoded: checked as it is
		}
		assert.ok(!u.toLowerCase().includes(needle), `a ${r.method} URL carries what was typed: ${r.url}`);
	}
	assert.ok(
		seen.some((r) => r.method === 'POST' && new URLSearchParams(r.body).get('q') === typed),
		`the search went in a POST body (${seen.map((r) => `${r.method} ${r.url}`).join(', ')})`
	);
}

function read(sql, ...args) {
	const d = db();
	try {
		return d.prepare(sql).get(...args);
	} finally {
		d.close();
	}
}
const listAudits = () => read("select count(*) as n from audit_log where action = 'certificate.list'").n;
const lastListAudit = () =>
	JSON.parse(
		read("select details_json from audit_log where action = 'certificate.list' order by seq desc limit 1").details_json
	);

async function signIn(who) {
	const res = await fetch(`${BASE}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: BASE },
		body: new URLSearchParams(who)
	});
	const c = res.headers.get('set-cookie')?.match(/((?:__Host-)?session=[^;]+)/)?.[1];
	assert.ok(res.status === 303 && c, `sign-in as ${who.email} failed (${res.status})`);
	return c;
}

const search = (path, cookie, q) =>
	fetch(`${BASE}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: BASE, cookie },
		body: new URLSearchParams({ q })
	});

/** A context with JavaScript turned off, signed in through the plain form. */
async function noScript(who) {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(`${BASE}/login`);
	await page.fill('#email', who.email);
	await page.fill('#password', who.password);
	await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button[type=submit]')]);
	return { context, page };
}

const rowNames = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));

describe('court certificate search', () => {
	it('refuses the search to a facilitator, and a court outside the clerk’s scope answers not found', async () => {
		const facilitator = await signIn(accounts.facilitator);
		const clerk = await signIn(accounts.clerk);
		const before = listAudits();
		assert.equal((await search('/court/certificates?/search', facilitator, KEVIN.name)).status, 403);
		assert.equal(
			(await search('/court/certificates?/search&court=court-of-someone-else', clerk, KEVIN.name)).status,
			404
		);
		assert.equal(listAudits(), before, 'a refused search lists nothing');
	});

	it('finds a certificate by name with JavaScript, audits it once, and no URL carries the name', async () => {
		const { page, context } = await newPage(browser);
		await login(page, accounts.clerk);
		const seen = watch(page);
		await page.goto(`${BASE}/court/certificates`);
		const before = listAudits();
		await page.fill('#q', KEVIN.name);
		await page.click('form[role=search] button[type=submit]');
		await page.waitForSelector('caption:has-text("matching your search")');
		assert.ok((await rowNames(page, 'td.cert-name')).every((n) => n === KEVIN.name));
		assert.equal(new URL(page.url()).search, '', 'the address stays plain');
		assert.equal(listAudits(), before + 1, 'one audit entry for the search (none for a list not shown)');
		assert.equal(lastListAudit().searched, true);
		await axe(page, 'court certificates, searched');
		typedOnlyInBodies(seen, KEVIN.name);

		// Clearing the search shows the plain list again.
		await page.click('text=Clear the search');
		await page.waitForFunction(() => !document.querySelector('caption')?.textContent.includes('matching your search'));
		assert.match(await page.textContent('caption'), /newest first/);
		await context.close();
	});

	it('without JavaScript, finds one by case number (rendered once, audited once); an empty search is the plain list', async () => {
		const { page, context } = await noScript(accounts.clerk);
		const seen = watch(page);
		await page.goto(`${BASE}/court/certificates`);
		const before = listAudits();
		await page.fill('#q', KEVIN.caseNumber);
		await Promise.all([
			page.waitForURL(/\/court\/certificates\?\/search/),
			page.click('form[role=search] button[type=submit]')
		]);
		assert.ok((await rowNames(page, 'td.cert-name')).includes(KEVIN.name));
		assert.equal(listAudits(), before + 1, 'the page after the POST does not list (and audit) a second time');
		typedOnlyInBodies(seen, KEVIN.caseNumber);

		await page.fill('#q', '');
		await Promise.all([
			page.waitForURL(`${BASE}/court/certificates`),
			page.click('form[role=search] button[type=submit]')
		]);
		assert.match(await page.textContent('caption'), /newest first/);
		await context.close();
	});
});

describe('participant search', () => {
	it('refuses the search to court staff', async () => {
		const clerk = await signIn(accounts.clerk);
		assert.equal((await search('/facilitate/participants?/search', clerk, THOMAS.name)).status, 403);
	});

	it('finds by name with JavaScript within the list filters, which stay in the URL; back brings the filters, not the name', async () => {
		const { page, context } = await newPage(browser);
		await login(page, accounts.facilitator);
		const seen = watch(page);
		await page.goto(`${BASE}/facilitate/participants?show=all&sort=name`);
		await page.fill('#f-q', 'brandt');
		await page.click('form.search button[type=submit]');
		await page.waitForSelector('p[role=status]:has-text("for this search")');
		assert.deepEqual(await rowNames(page, 'table.participants a.row-link'), [THOMAS.name]);
		const url = new URL(page.url());
		assert.equal(url.search, '?show=all&sort=name', 'the non-personal filters stay in the address');
		await axe(page, 'participants, searched');
		typedOnlyInBodies(seen, 'brandt');

		// The search is not kept in history (nor in browser storage): back shows the filtered list.
		await Promise.all([
			page.waitForURL(/\/facilitate\/participants\/[a-z0-9]+$/),
			page.click('table.participants a.row-link')
		]);
		await page.goBack();
		await page.waitForSelector('#f-q');
		assert.equal(new URL(page.url()).search, '?show=all&sort=name');
		assert.equal(await page.inputValue('#f-q'), '');
		assert.equal(await page.inputValue('#f-show'), 'all');
		await context.close();
	});

	it('without JavaScript, finds by case number; the address carries only the list filters', async () => {
		const { page, context } = await noScript(accounts.facilitator);
		const seen = watch(page);
		await page.goto(`${BASE}/facilitate/participants?show=all`);
		await page.fill('#f-q', THOMAS.caseNumber);
		await Promise.all([
			page.waitForURL(/\/facilitate\/participants\?\/search&show=all&sort=due$/),
			page.click('form.search button[type=submit]')
		]);
		assert.deepEqual(await rowNames(page, 'table.participants a.row-link'), [THOMAS.name]);
		typedOnlyInBodies(seen, THOMAS.caseNumber);
		await context.close();
	});
});
