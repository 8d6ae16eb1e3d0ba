// The court evidence packet: the clerk downloads a finished participant's packet from his referral
// page, and his facilitator the same from the participant's page; each is a PDF naming the serial.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE, PHONE, WORK, accounts, axe, db, launch, login, newPage, shot } from './helpers.mjs';

let browser;
let kevin;
before(async () => {
	browser = await launch();
	const d = db();
	try {
		kevin = d
			.prepare(
				"select e.id, e.case_number, c.serial from enrollments e join users u on u.id = e.user_id join certificates c on c.enrollment_id = e.id and c.status = 'valid' where u.email = ?"
			)
			.get('kevin@demo.johnschool.test');
	} finally {
		d.close();
	}
	assert.ok(kevin?.serial, 'the demo participant Kevin holds a valid certificate');
});
after(async () => {
	await browser?.close();
});

async function downloadPacket(page, link) {
	const [download] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
	assert.match(download.suggestedFilename(), /^evidence-packet-[A-Z0-9-]+\.pdf$/);
	const file = join(WORK, `${Date.now()}-${download.suggestedFilename()}`);
	await download.saveAs(file);
	const bytes = readFileSync(file);
	assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
	return existsSync('/usr/bin/pdftotext') ? execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }) : null;
}

describe('court evidence packet', () => {
	it('is downloaded by the clerk from the referral page, and names the certificate’s serial', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.clerk);
		await page.goto(`${BASE}/court`);
		await page.click('a:has-text("Kevin Marsh")');
		await page.waitForSelector('#packet-title');
		assert.equal(new URL(page.url()).pathname, `/court/referrals/${kevin.id}`);
		await axe(page, 'referral with the evidence packet');
		await shot(page, 'court-referral-packet-phone');
		const text = await downloadPacket(page, 'a:has-text("Download the evidence packet")');
		if (text) {
			assert.match(text, new RegExp(kevin.serial));
			assert.match(text, new RegExp(kevin.case_number));
			assert.match(text, /Completed/);
			assert.match(text, /Renee Okafor \(court staff\)/);
			assert.doesNotMatch(text, /made me think about the choices/); // his reflection
			assert.doesNotMatch(text, /Thoughtful and specific/); // the facilitator's feedback
		}
		await context.close();
	});

	it('is downloaded by the facilitator from the participant’s page', async () => {
		const { page, context } = await newPage(browser);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/participants/${kevin.id}`);
		const text = await downloadPacket(page, 'a:has-text("Download the court evidence packet")');
		if (text) {
			assert.match(text, new RegExp(kevin.serial));
			assert.match(text, /Marcus Lindqvist \(facilitator\)/);
		}
		await context.close();
	});
});
