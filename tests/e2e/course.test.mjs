// The participant's course beyond the happy path: a failed quiz with its review, a quiz locked after
// the last attempt and unlocked by a facilitator, and a reflection draft that survives a reload.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import {
	BASE,
	DESKTOP,
	PHONE,
	accounts,
	answerQuiz,
	axe,
	correctOptions,
	hydrated,
	launch,
	login,
	newPage,
	shot,
	wrongOptions
} from './helpers.mjs';

let browser;
const state = {};

/** As if his sessions had timed out on the server. */
function endSessions(email) {
	const d = new Database(process.env.DATABASE_URL);
	d.prepare('delete from sessions where user_id = (select id from users where email = ?)').run(email);
	d.close();
}
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('quizzes and reflections (the demo participant, on module 2)', () => {
	it('shows which answers were wrong after a failed attempt, then locks the quiz after the last one', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.click('ol.modules li:nth-child(2) h3 a');
		await page.waitForSelector('#seat-progress');
		await hydrated(page);
		state.moduleUrl = page.url();
		state.cookies = await context.cookies();
		for (let attempt = 1; attempt <= 3; attempt++) {
			await page.goto(`${state.moduleUrl}/quiz`);
			assert.match(await page.textContent('main'), new RegExp(`Attempt ${attempt} of 3`));
			await answerQuiz(page, wrongOptions);
			await page.waitForSelector('text=Not passed this time.');
			if (attempt === 1) {
				assert.ok((await page.locator('.badge.bad:has-text("Wrong")').count()) > 0, 'the review marks wrong answers');
				assert.ok((await page.locator('text=Explanation:').count()) > 0, 'with explanations');
				await axe(page, 'failed quiz review');
				await shot(page, 'participant-quiz-failed-phone');
			}
		}
		assert.match(await page.textContent('main'), /used every attempt/);
		await page.goto(state.moduleUrl);
		assert.match(await page.textContent('main'), /A facilitator must unlock the quiz/);
		assert.equal((await page.goto(`${state.moduleUrl}/quiz`)).status(), 403);
		await context.close();
	});

	it('a facilitator unlocks it with a reason, and he passes on the next attempt', async () => {
		const { page, context } = await newPage(browser, DESKTOP);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/participants`);
		await page.click('table a:has-text("Thomas Brandt")');
		await page.waitForSelector('text=Module 2 quiz is locked');
		await axe(page, 'participant record with a locked quiz');
		await page.fill('[id^="reason-"]', 'Went over the module with him by phone');
		await page.click('text=Unlock the quiz');
		await page.waitForSelector('text=Quiz unlocked');
		await context.close();

		const p = await newPage(browser, PHONE);
		await p.context.addCookies(state.cookies);
		await p.page.goto(`${state.moduleUrl}/quiz`);
		assert.match(await p.page.textContent('main'), /Attempt 4 of 4/);
		await answerQuiz(p.page, correctOptions);
		await p.page.waitForSelector('text=You passed.');
		await p.context.close();
	});

	it('keeps a reflection draft through a reload, and refuses a too-short answer without losing it', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await context.addCookies(state.cookies);
		await page.goto(`${state.moduleUrl}#reflections`);
		const text = 'First thoughts, typed on a phone: I never thought about who she was or how she got there.';
		await page.locator('textarea').first().pressSequentially(text, { delay: 5 });
		await page.waitForSelector('text=Draft saved.');
		await page.reload();
		await hydrated(page);
		assert.equal(await page.locator('textarea').first().inputValue(), text, 'the draft came back after a reload');
		await page.locator('form:has(textarea) button[type=submit]:not([formaction])').first().click();
		await page.waitForSelector('.field .error');
		assert.equal(await page.locator('textarea').first().inputValue(), text);
		await axe(page, 'reflection with an error');
		await context.close();
	});

	it('keeps his answer when the session ends while he types, and submits it after he signs in again', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await context.addCookies(state.cookies);
		await page.goto(`${state.moduleUrl}#reflections`);
		endSessions(accounts.participant.email);
		const answer =
			'I used to tell myself that nobody was hurt. This module showed me the debts, the control and the fear behind the ads, and that the woman I paid may not have been free to say no. I am responsible for my choice, and I want to explain to my family what I did and what I am changing, and to find a counsellor.';
		await page.locator('textarea').first().fill(answer);
		await page.waitForSelector('text=Your session has ended');
		const second = await context.newPage();
		await login(second, accounts.participant);
		await second.close();
		await page.locator('form:has(textarea) button[type=submit]:not([formaction])').first().click();
		await page.waitForSelector('text=Your reflection was submitted');
		await context.close();
	});
});
