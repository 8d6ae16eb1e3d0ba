// Every verification outcome, in the browser (uploading the PDF, on a phone) and through the JSON API:
// valid, superseded, revoked, altered, unknown, and a file that is not a PDF.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BASE, PHONE, WORK, axe, launch, newPage, shot } from './helpers.mjs';

let browser;
let c;
before(async () => {
	const r = spawnSync('npx', ['tsx', 'tests/e2e/support/certificate-outcomes.ts'], {
		env: process.env,
		encoding: 'utf8'
	});
	assert.equal(r.status, 0, r.stderr);
	c = JSON.parse(r.stdout.trim().split('\n').pop());
	const altered = readFileSync(c.validPdf);
	const i = altered.indexOf('Certificate of Completion');
	altered[i + 3] = altered[i + 3] === 0x74 ? 0x54 : 0x74;
	c.alteredPdf = join(WORK, 'outcome-altered.pdf');
	writeFileSync(c.alteredPdf, altered);
	c.unknownPdf = join(WORK, 'outcome-unknown.pdf');
	writeFileSync(c.unknownPdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
	c.notPdf = join(WORK, 'outcome-not-a-pdf.pdf');
	writeFileSync(c.notPdf, 'This is a letter, not a certificate.');
	// Earlier test files made deliberate wrong guesses from this address: start this file with a clean slate.
	const d = new Database(process.env.DATABASE_URL);
	d.prepare("delete from rate_limits where key like 'verify:%'").run();
	d.close();
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

const cases = [
	['valid', 'validPdf', 'Valid certificate', 'valid', true],
	['superseded', 'supersededPdf', 'Superseded certificate', 'superseded', true],
	['revoked', 'revokedPdf', 'Revoked certificate', 'revoked', true],
	['altered', 'alteredPdf', 'Altered document', 'altered', false],
	['unknown', 'unknownPdf', 'Not verified', 'unknown', false]
];

describe('verification outcomes', () => {
	for (const [label, file, heading] of cases) {
		it(`shows "${heading}" for an uploaded ${label} certificate, on a phone`, async () => {
			const { page, context } = await newPage(browser, PHONE);
			await page.goto(`${BASE}/verify`);
			await page.setInputFiles('#pdf', c[file]);
			await page.click('text=Check the file');
			await page.waitForSelector('#result-title');
			assert.equal(await page.textContent('#result-title'), heading);
			const text = await page.textContent('main');
			if (label === 'superseded') assert.match(text, new RegExp(c.validSerial));
			if (label === 'revoked') assert.match(text, /Completion recorded in error/);
			await axe(page, `verify result: ${label}`);
			await shot(page, `verify-${label}-phone`);
			await context.close();
		});
	}

	it('still shows "Valid certificate" for a file whose participant data the retention period removed, without the person', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await page.goto(`${BASE}/verify`);
		await page.setInputFiles('#pdf', c.purgedPdf);
		await page.click('text=Check the file');
		await page.waitForSelector('#result-title');
		assert.equal(await page.textContent('#result-title'), 'Valid certificate');
		const text = (await page.textContent('main')).replace(/\s+/g, ' ');
		assert.match(text, /retention period ended/);
		assert.ok(!text.includes(c.purgedName), 'the name is not shown');
		await axe(page, 'verify result: personal data removed');
		await shot(page, 'verify-purged-phone');
		await context.close();
	});

	it('says a file that is not a PDF is not a PDF', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await page.goto(`${BASE}/verify`);
		await page.setInputFiles('#pdf', c.notPdf);
		await page.click('text=Check the file');
		await page.waitForSelector('#result-title');
		assert.match(await page.textContent('main'), /not a PDF/);
		await context.close();
	});

	it('answers the same through POST /api/v1/certificates/verify', async () => {
		for (const [label, file, , status, match] of cases) {
			const res = await fetch(`${BASE}/api/v1/certificates/verify`, {
				method: 'POST',
				headers: { 'content-type': 'application/pdf' },
				body: readFileSync(c[file])
			});
			const body = await res.json();
			assert.equal(body.status, status, `${label}: ${JSON.stringify(body)}`);
			assert.equal(body.match, match, label);
			if (label === 'superseded') assert.equal(body.supersededBy, c.validSerial);
			if (label === 'revoked') assert.equal(body.revokeReason, 'Completion recorded in error');
			if (!match) assert.ok(body.reason, `${label} says why`);
		}
		const purged = await (
			await fetch(`${BASE}/api/v1/certificates/verify`, {
				method: 'POST',
				headers: { 'content-type': 'application/pdf' },
				body: readFileSync(c.purgedPdf)
			})
		).json();
		assert.deepEqual(
			{ status: purged.status, match: purged.match, participantName: purged.participantName, facts: purged.facts },
			{ status: 'valid', match: true, participantName: null, facts: null }
		);
		assert.ok(purged.personalDataRemovedAt);
		const notPdf = await fetch(`${BASE}/api/v1/certificates/verify`, {
			method: 'POST',
			headers: { 'content-type': 'application/pdf' },
			body: readFileSync(c.notPdf)
		});
		assert.deepEqual({ status: (await notPdf.json()).status, http: notPdf.status }, { status: 'unknown', http: 404 });
	});
});
