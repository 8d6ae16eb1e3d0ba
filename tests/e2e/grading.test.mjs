// The facilitator's grading queue and oversight in a real browser: a new participant submits a
// reflection; a facilitator finds it in the queue (filtered), returns it for revision while a second
// grader is told it was already graded; he revises; the facilitator sees the earlier version and its
// feedback and marks it satisfactory. Then, on a tablet, the participant page: case note, extension,
// timeline; and a sign-off whose certificate the participant and his court see at once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import {
	BASE,
	DESKTOP,
	PHONE,
	accounts,
	axe,
	correctOptions,
	hydrated,
	launch,
	login,
	newPage,
	shot
} from './helpers.mjs';

const TABLET = { width: 820, height: 1180 };
const stamp = Date.now() % 100000;
const participant = {
	name: 'Riley Fenwick',
	dob: '1979-11-02',
	caseNumber: `62-CR-26-G${stamp}`,
	email: `riley${stamp}@e2e.test`,
	password: 'harbour lights over the long pier'
};
const firstAnswer =
	'I thought it was a private matter between adults and that nobody was hurt. This module showed me that many of the women are controlled by someone else, that they carry debts and fear, and that my money paid for that control. I also had not thought about my own family, and what it would mean for them to learn about this from a court letter instead of from me.';
const revision =
	' What I will do differently: I told my wife, I have an appointment with a counsellor next Tuesday, and I deleted the apps I used.';
const feedback = 'Thank you for being honest. Please add what you will do differently from now on, in concrete steps.';
const state = {};
let browser;

const addDays = (iso, n) => new Date(Date.parse(`${iso}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const longDate = (iso) =>
	new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-US', {
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		timeZone: 'UTC'
	});

/** The queue's rows as the facilitator reads them. */
async function queueRows(page) {
	return page.$$eval('table.queue tbody tr', (trs) => trs.map((tr) => tr.innerText.replace(/\s+/g, ' ').trim()));
}

/** The number in the navigation's "Grading queue" link. */
async function navCount(page) {
	const text = (await page.textContent('.subnav a[href="/facilitate/grading"]')).replace(/\s+/g, ' ');
	const m = text.match(/Grading queue (\d+) waiting/);
	assert.ok(m, `the navigation names the count with its meaning: "${text}"`);
	return Number(m[1]);
}

/** Nothing sticks out sideways (a tablet or phone would scroll the page horizontally). */
async function noSidewaysScroll(page, label) {
	const [scroll, client] = await page.evaluate(() => [
		document.documentElement.scrollWidth,
		document.documentElement.clientWidth
	]);
	assert.ok(scroll <= client, `${label}: page is ${scroll}px wide in a ${client}px viewport`);
}

/** Every visible button and main form control is at least 44px tall (a finger, not a mouse). */
async function bigTargets(page, label) {
	const small = await page.$$eval(
		'main button, main .button, main select, main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), .subnav a',
		(els) =>
			els
				.filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 43.5)
				.map(
					(e) =>
						`${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('name') || '').trim().slice(0, 30)}" ${Math.round(e.getBoundingClientRect().height)}px`
				)
	);
	assert.deepEqual(small, [], `${label}: targets smaller than 44px`);
}

before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('grading with a revision round trip', () => {
	it('a new participant is referred, activates, passes module 1 and submits his reflection', async () => {
		const clerk = await newPage(browser, DESKTOP);
		await login(clerk.page, accounts.clerk);
		await clerk.page.goto(`${BASE}/court/referrals/new`);
		state.dueDate = await clerk.page.evaluate(() =>
			new Date(Date.now() + 30 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Chicago' })
		);
		await clerk.page.fill('#legalName', participant.name);
		await clerk.page.fill('#dateOfBirth', participant.dob);
		await clerk.page.fill('#caseNumber', participant.caseNumber);
		await clerk.page.fill('#dueDate', state.dueDate);
		await clerk.page.click('main button[type=submit]');
		await clerk.page.waitForSelector('dd.code');
		const code = (await clerk.page.textContent('dd.code')).trim();
		await clerk.context.close();

		const { page, context } = await newPage(browser, PHONE);
		await page.goto(`${BASE}/activate`);
		await page.fill('#code', code);
		await page.fill('#dateOfBirth', participant.dob);
		await page.fill('#caseNumber', participant.caseNumber);
		await page.check('#notice');
		await page.fill('#email', participant.email);
		await page.fill('#password', participant.password);
		await page.click('main button[type=submit]');
		await page.waitForURL(/\/learn/);
		state.participantCookies = await context.cookies();

		// Module time is what the course and journey tests exercise; here it is credited directly.
		const d = new Database(process.env.DATABASE_URL);
		try {
			const e = d
				.prepare('select id, curriculum_version_id from enrollments where legal_name = ? and date_of_birth = ?')
				.get(participant.name, participant.dob);
			const m = d
				.prepare('select id from modules where curriculum_version_id = ? and position = 1')
				.get(e.curriculum_version_id);
			const now = new Date().toISOString();
			d.prepare(
				'insert into module_progress (enrollment_id, module_id, seat_seconds, started_at, last_activity_at, completed_at) values (?, ?, ?, ?, ?, null)'
			).run(e.id, m.id, 100_000, now, now);
			state.enrollmentId = e.id;
			state.module1 = m.id;
		} finally {
			d.close();
		}

		await page.goto(`${BASE}/learn/modules/${state.module1}/quiz`);
		await page.waitForSelector('form fieldset');
		const ids = await page.$$eval('fieldset input', (els) => els.map((e) => e.id));
		for (const o of correctOptions([...new Set(ids.map((id) => id.split('-')[0]))]))
			await page.check(`[id="${o.question_id}-${o.id}"]`);
		await page.click('main button[type=submit]');
		await page.waitForSelector('text=You passed.');
		await page.click('text=Continue to the reflection');
		await page.waitForSelector('textarea');
		await hydrated(page);
		const submit = page.locator('form:has(textarea) button[type=submit]:not([formaction])').first();
		state.prompts = await page.locator('textarea').count();
		for (let left = state.prompts; left > 0; left--) {
			await page.locator('textarea').first().fill(firstAnswer);
			await submit.click();
			await page.waitForFunction((n) => document.querySelectorAll('textarea').length < n, left);
		}
		await page.waitForSelector('text=Your reflection was submitted');
		await axe(page, 'reflection submitted');
		await context.close();
	});

	it('the facilitator finds it in the queue by filter; the count is on the navigation', async () => {
		const { page, context } = await newPage(browser, DESKTOP);
		await login(page, accounts.facilitator);
		// The queue's filters are ids (module position, enrollment id), never his name or case number.
		const urls = [];
		page.on('request', (r) => urls.push(decodeURIComponent(r.url())));
		await page.goto(`${BASE}/facilitate/grading`);
		await axe(page, 'grading queue');
		const all = await queueRows(page);
		assert.equal(await navCount(page), all.length, 'the navigation counts what the queue lists');
		assert.ok(
			all.filter((r) => r.includes(participant.name)).length === state.prompts,
			'his reflections are in the queue'
		);

		const value = await page.$eval(
			'#f-participant',
			(sel, name) => [...sel.options].find((o) => o.textContent.includes(name))?.value,
			participant.name
		);
		assert.ok(value, 'he is among the participants to filter by');
		await page.selectOption('#f-participant', value);
		await page.selectOption('#f-module', '1');
		await Promise.all([page.waitForURL(/participant=/), page.click('form.filters button[type=submit]')]);
		assert.match(page.url(), /module=1/);
		const mine = await queueRows(page);
		assert.equal(mine.length, state.prompts);
		assert.ok(
			mine.every((r) => r.includes(participant.name) && r.includes('module 1') && r.includes('First')),
			mine.join(' | ')
		);
		await axe(page, 'grading queue, filtered');
		await shot(page, 'facilitator-grading-queue-filtered');
		await page.locator('table.queue a.row-link').first().click();
		await page.waitForSelector('text=Grade a reflection');
		state.gradingUrl = page.url();
		assert.match(
			state.gradingUrl,
			/\/facilitate\/grading\/[a-z0-9]+\?module=1&participant=/,
			'the filters travel with the link'
		);
		const leaked = urls.filter(
			(u) =>
				u.includes(participant.name) ||
				u.replace(/\+/g, ' ').includes(participant.name) ||
				u.includes(participant.caseNumber)
		);
		assert.deepEqual(leaked, [], 'no URL carries his name or case number');
		await context.close();
	});

	it('she returns it for revision with feedback; a second grader at the same time is told it was already graded', async () => {
		const { page, context } = await newPage(browser, DESKTOP);
		await login(page, accounts.facilitator);
		const other = await newPage(browser, DESKTOP);
		await login(other.page, accounts.admin);
		await page.goto(state.gradingUrl);
		await other.page.goto(state.gradingUrl);
		await axe(page, 'grading page');
		assert.match(await page.textContent('main'), new RegExp(firstAnswer.slice(0, 40)));

		// Asking for a revision without feedback is refused, keeping the choice.
		await page.check('#o-rev');
		await page.click('main button[type=submit]');
		await page.waitForSelector('#feedback-error');
		assert.equal(await page.isChecked('#o-rev'), true);
		await axe(page, 'grading page with an error');
		await page.check('#c1');
		await page.fill('#feedback', feedback);
		await page.click('main button[type=submit]');
		await page.waitForURL(/\/facilitate\/grading\?module=1&participant=[a-z0-9]+&graded=1/);
		await page.waitForSelector('text=Grade saved');
		await axe(page, 'queue after grading');

		// The admin had the same submission open and now saves "satisfactory": nothing is overwritten.
		await other.page.check('#o-sat');
		await other.page.click('main button[type=submit]');
		await other.page.waitForSelector('text=Someone already graded this submission. Nothing was changed.');
		assert.match(await other.page.textContent('main'), /Already graded/);
		assert.match(await other.page.textContent('main'), /Returned for revision/);
		await axe(other.page, 'already graded');
		await shot(other.page, 'facilitator-already-graded');
		await other.context.close();

		// Any other prompts of the module are fine as they are.
		for (let i = 1; i < state.prompts; i++) {
			await page.locator('table.queue a.row-link').first().click();
			await page.waitForSelector('text=Grade a reflection');
			await page.check('#o-sat');
			await page.click('main button[type=submit]');
			await page.waitForURL(/graded=1/);
		}
		await context.close();
	});

	it('he sees the feedback, revises and resubmits', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await context.addCookies(state.participantCookies);
		// His dashboard puts the returned reflection first, and its module says so.
		await page.goto(`${BASE}/learn`);
		assert.match(await page.textContent('main'), /Revise your module 1 reflection/);
		await axe(page, 'dashboard with a revision requested');
		await page.click('a.badge:has-text("Revision requested")');
		await page.waitForURL(new RegExp(`/learn/modules/${state.module1}`));
		await page.waitForSelector('text=Revision requested.');
		assert.match(await page.textContent('.notice.warn'), new RegExp(feedback.slice(0, 40)));
		const box = page.locator('textarea').first();
		assert.equal(await box.inputValue(), firstAnswer, 'his answer comes back for editing');
		await axe(page, 'revision requested');
		await shot(page, 'participant-revision-requested-phone');
		await box.fill(firstAnswer + revision);
		await page.locator('form:has(textarea) button[type=submit]:not([formaction])').first().click();
		await page.waitForSelector('text=Your reflection was submitted');
		await page.waitForSelector('text=Submitted, waiting for grading');
		await context.close();
	});

	it('the facilitator sees the earlier version and its feedback, and marks the revision satisfactory', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/grading?module=1`);
		const row = page.locator('table.queue tbody tr', { hasText: participant.name });
		assert.match(await row.innerText(), /Revision \(version 2\)/);
		await bigTargets(page, 'grading queue on a tablet');
		await noSidewaysScroll(page, 'grading queue on a tablet');
		await shot(page, 'facilitator-grading-queue-tablet');
		await row.locator('a.row-link').click();
		await page.waitForSelector('text=Earlier versions and feedback (1)');
		const earlier = await page.textContent('article.earlier');
		assert.match(earlier, /Version 1/);
		assert.match(earlier, new RegExp(firstAnswer.slice(0, 40)));
		assert.match(earlier, /Returned for revision/);
		assert.match(earlier, new RegExp(feedback.slice(0, 40)));
		assert.match(await page.textContent('main section.card'), /What I will do differently/);
		await axe(page, 'grading a revision');
		await noSidewaysScroll(page, 'grading page on a tablet');
		await shot(page, 'facilitator-grading-revision-tablet');
		await page.check('#c0');
		await page.check('#c1');
		await page.check('#o-sat');
		await page.fill('#feedback', 'Concrete and honest. Thank you.');
		const before = await navCount(page);
		await page.click('main button[type=submit]');
		await page.waitForURL(/\/facilitate\/grading\?module=1&graded=1/);
		assert.equal(await navCount(page), before - 1, 'the count on the navigation goes down');
		assert.equal((await queueRows(page)).filter((r) => r.includes(participant.name)).length, 0);
		await context.close();
	});
});

describe('oversight on a tablet', () => {
	it('the participants list filters at-risk participants and reflows into cards', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await axe(page, 'facilitator overview (tablet)');
		await shot(page, 'facilitator-overview-tablet');
		await page.goto(`${BASE}/facilitate/participants`);
		await axe(page, 'participants (tablet)');
		await noSidewaysScroll(page, 'participants on a tablet');
		await bigTargets(page, 'participants on a tablet');
		assert.ok(await page.isVisible(`table.participants a:has-text("${participant.name}")`));
		await shot(page, 'facilitator-participants-tablet');
		await page.selectOption('#f-show', 'at_risk');
		await Promise.all([page.waitForURL(/show=at_risk/), page.click('form.filters button[type=submit]')]);
		assert.equal(
			await page.locator(`table.participants a:has-text("${participant.name}")`).count(),
			0,
			'due in 30 days and active: not at risk'
		);
		await axe(page, 'participants, at risk only');
		await context.close();

		const phone = await newPage(browser, PHONE);
		await login(phone.page, accounts.facilitator);
		await phone.page.goto(`${BASE}/facilitate/participants?show=all`);
		await noSidewaysScroll(phone.page, 'participants on a phone');
		await axe(phone.page, 'participants (phone)');
		await shot(phone.page, 'facilitator-participants-phone');
		await phone.context.close();
	});

	it('on his page a facilitator adds a case note and records an extension; the timeline shows both and the grading', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/participants`);
		await page.click(`table a:has-text("${participant.name}")`);
		await page.waitForSelector('text=Completion checklist');
		state.recordUrl = page.url().split('?')[0];
		await axe(page, 'participant page (tablet)');
		await noSidewaysScroll(page, 'participant page on a tablet');
		await bigTargets(page, 'participant page on a tablet');

		const note = 'Called him on 06/12: <b>busy week</b>, will finish module 2 by Friday.';
		await page.fill('#note-body', note);
		await page.click('text=Add note');
		await page.waitForSelector('text=Case note added.');
		assert.equal(
			await page.locator('ol.notes .note-body').first().textContent(),
			note,
			'stored and shown as text, not markup'
		);
		assert.match(
			await page.locator('ol.notes li').first().textContent(),
			/Marcus Lindqvist · /,
			'with its author and time'
		);

		const newDue = addDays(state.dueDate, 30);
		await page.fill('#newDueDate', newDue);
		await page.fill('#orderReference', 'Order of continuance 62-CR-26-118');
		await page.click('text=Record the extension');
		await page.waitForSelector('text=Extension recorded.');
		assert.match(await page.textContent('#main dl.facts'), new RegExp(longDate(newDue)));
		assert.match(
			await page.textContent('section[aria-labelledby="due-title"]'),
			new RegExp(`From ${longDate(state.dueDate)} to ${longDate(newDue)}`)
		);
		await axe(page, 'participant page after an extension');

		const timeline = await page.textContent('.timeline');
		for (const expected of [
			/Case note/,
			/Due date extended/,
			/Module 1 reflection \d, version 1: returned for revision/,
			/Module 1 reflection \d, version 2: satisfactory/,
			/Module 1 quiz, attempt 1: 100%, passed/,
			/Activated his account/,
			/Referred by the court/
		]) {
			assert.match(timeline, expected, 'the timeline shows it');
		}
		assert.match(timeline, /C[DS]T/, 'times carry the program time zone');
		await shot(page, 'facilitator-participant-tablet');
		await context.close();

		// The court sees the new due date at once; the participant sees no case note.
		const clerk = await newPage(browser, DESKTOP);
		await login(clerk.page, accounts.clerk);
		// The court page has a "Certificates" link too: wait for the referral's own URL, not for text.
		await Promise.all([
			clerk.page.waitForURL(/\/court\/referrals\/[^/]+$/),
			clerk.page.click(`table a:has-text("${participant.name}")`)
		]);
		await clerk.page.waitForSelector('h2:has-text("Certificates")');
		state.referralUrl = clerk.page.url();
		assert.match(await clerk.page.textContent('main'), new RegExp(longDate(newDue)));
		assert.doesNotMatch(await clerk.page.content(), /busy week/);
		assert.match(await clerk.page.textContent('#ext-title + ul'), /order/);
		await axe(clerk.page, 'referral with an extension');
		await shot(clerk.page, 'court-referral-extended');
		await clerk.context.close();

		// Without JavaScript: the filters are plain GET forms and a note is a plain POST.
		const nojs = await browser.newContext({ viewport: TABLET, javaScriptEnabled: false });
		const raw = await nojs.newPage();
		await raw.goto(`${BASE}/login`);
		await raw.fill('#email', accounts.facilitator.email);
		await raw.fill('#password', accounts.facilitator.password);
		await Promise.all([raw.waitForURL(/\/facilitate/), raw.click('main button[type=submit]')]);
		await raw.goto(`${BASE}/facilitate/participants`);
		// The search is a POST (staff-search.test.mjs): the address carries no case number.
		await raw.fill('#f-q', participant.caseNumber.slice(-6).toLowerCase());
		await Promise.all([raw.waitForURL(/\?\/search/), raw.click('form.search button[type=submit]')]);
		assert.ok(!raw.url().toLowerCase().includes(participant.caseNumber.slice(-6).toLowerCase()), raw.url());
		assert.deepEqual(await raw.$$eval('table.participants a.row-link', (as) => as.map((a) => a.textContent.trim())), [
			participant.name
		]);
		await raw.click('table.participants a.row-link');
		await raw.fill('#note-body', 'Written with JavaScript turned off.');
		await Promise.all([raw.waitForURL(/saved=note/), raw.click('text=Add note')]);
		assert.equal(await raw.locator('ol.notes .note-body').first().textContent(), 'Written with JavaScript turned off.');
		await nojs.close();

		const me = await newPage(browser, PHONE);
		await me.context.addCookies(state.participantCookies);
		await me.page.goto(`${BASE}/learn`);
		assert.match(await me.page.textContent('main'), new RegExp(longDate(newDue)));
		assert.doesNotMatch(await me.page.content(), /busy week/);
		await me.context.close();
	});
});

describe('sign-off', () => {
	it('issues the certificate, and the participant and his court see it at once', async () => {
		// The other seven modules are done outside the browser (as in the journey test).
		const r = spawnSync(
			'npx',
			['tsx', 'tests/e2e/support/complete-rest.ts', participant.email, accounts.facilitator.email],
			{ env: process.env, encoding: 'utf8' }
		);
		assert.equal(r.status, 0, r.stderr);

		const fac = await newPage(browser, TABLET);
		await login(fac.page, accounts.facilitator);
		await fac.page.goto(state.recordUrl);
		await fac.page.selectOption('#fee', 'waived');
		await fac.page.click('text=Save fee status');
		await fac.page.waitForSelector('text=Fee status saved');

		const me = await newPage(browser, PHONE);
		await me.context.addCookies(state.participantCookies);
		await me.page.goto(`${BASE}/learn/complete`);
		await me.page.fill('#typedName', participant.name);
		await me.page.check('#confirm');
		await me.page.click('main button[type=submit]');
		await me.page.waitForSelector('text=You signed the attestation');

		await fac.page.goto(`${BASE}/facilitate`);
		const card = fac.page.locator('ul.review li', { hasText: participant.name });
		assert.equal(await card.locator('.badge.bad').count(), 0, 'every item of his checklist is met');
		assert.ok((await card.locator('.badge.ok').count()) >= 6);
		await axe(fac.page, 'overview with the review queue');
		await card.locator('a.button').click();
		await fac.page.waitForSelector('text=Completion checklist');
		await fac.page.click('text=Sign off and issue certificate');
		await fac.page.waitForSelector('text=Signed off. Certificate');
		const serial = (await fac.page.textContent('.notice.ok')).match(/[A-Z]+-\d{4}-\d{6}/)[0];
		assert.match(await fac.page.textContent('.timeline'), new RegExp(`Certificate ${serial} issued`));
		await axe(fac.page, 'signed off (tablet)');
		await fac.context.close();

		await me.page.goto(`${BASE}/learn`);
		await me.page.waitForSelector('text=Download your certificate');
		await me.page.goto(`${BASE}/learn/complete`);
		assert.match(await me.page.textContent('main'), new RegExp(serial));
		await axe(me.page, 'his certificate');
		await me.context.close();

		const clerk = await newPage(browser, DESKTOP);
		await login(clerk.page, accounts.clerk);
		await clerk.page.goto(state.referralUrl);
		const cert = clerk.page.locator('section.result-valid', { hasText: serial });
		assert.match(await cert.innerText(), /valid/);
		assert.equal(await cert.locator('a:has-text("Download PDF for the case file")').count(), 1);
		await axe(clerk.page, 'referral with its certificate');
		await clerk.context.close();
	});
});
