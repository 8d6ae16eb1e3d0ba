// Intake paperwork: the clerk prints the participant's instruction letter (PDF), and replaces a lost code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, WORK, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

async function downloadLetter(page, button) {
	const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
	const file = join(WORK, `${Date.now()}-${download.suggestedFilename()}`);
	await download.saveAs(file);
	const bytes = readFileSync(file);
	assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
	return existsSync('/usr/bin/pdftotext')
		? execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })
		: null;
}

describe('instruction letter', () => {
	it('is downloaded right after the referral is made, and again with a new code when the letter is lost', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.clerk);
		await page.goto(`${BASE}/court/referrals/new`);
		await page.fill('#legalName', 'Łukasz Letter-Test');
		await page.fill('#dateOfBirth', '1984-02-29');
		await page.fill('#caseNumber', `62-CR-26-L${Date.now() % 100000}`);
		await page.fill('#dueDate', '2099-06-30');
		await page.click('main button[type=submit]');
		await page.waitForSelector('dd.code');
		const code = (await page.textContent('dd.code')).trim();
		const text = await downloadLetter(page, 'button:has-text("Download the letter")');
		if (text) {
			assert.match(text, new RegExp(code));
			assert.match(text, /Łukasz Letter-Test/);
			assert.match(text, /June 30, 2099/);
			assert.match(text, /\/activate/);
		}

		await page.click('a:has-text("Open the referral")');
		await page.waitForSelector('#code-title');
		await axe(page, 'referral before activation');
		await page.click('button:has-text("Issue a new enrollment code")');
		await page.waitForSelector('text=A new code was issued');
		const fresh = (await page.textContent('dd.code')).trim();
		assert.notEqual(fresh, code);
		await axe(page, 'referral with a new code');
		await shot(page, 'court-new-code-phone');
		const text2 = await downloadLetter(page, 'button:has-text("Download the instruction letter")');
		if (text2) assert.match(text2, new RegExp(fresh));
		await context.close();
	});
});
