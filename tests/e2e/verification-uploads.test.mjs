// Hostile uploads to the built server, through POST /api/v1/certificates/verify and the /verify form:
// an object stream that inflates to 480 MB is answered "could not be read" (never a 500) and the server
// goes on answering; a file only the reader thread can read is read there (the built app starts it);
// a forged title naming a real serial is "altered" twenty times from one address, then 429 with
// Retry-After. (How long the event loop stalls meanwhile is measured by `npm run bench`.)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PDFDocument } from 'pdf-lib';
import { objectStreamBomb, titled } from '../../scripts/bench-hostile-pdfs.mjs';
import { BASE, PHONE, WORK, axe, db, launch, newPage } from './helpers.mjs';

// Every test file checks from the same address: start and end with no verification limits in force.
function clearLimits() {
	const d = new Database(process.env.DATABASE_URL);
	d.prepare("delete from rate_limits where key like 'verify:%'").run();
	d.close();
}

const api = (body) =>
	fetch(`${BASE}/api/v1/certificates/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body });
let browser;
let serial;
const bombPath = join(WORK, 'upload-bomb.pdf');
before(async () => {
	clearLimits();
	const d = db();
	serial = d.prepare("select serial from certificates where status = 'valid' order by issued_at limit 1").get().serial;
	d.close();
	writeFileSync(bombPath, objectStreamBomb(480));
	browser = await launch();
});
after(async () => {
	await browser?.close();
	clearLimits();
});

describe('hostile uploads', () => {
	it('answers an object stream that inflates to 480 MB as not verified, because it could not be read, and keeps answering', async () => {
		const res = await api(objectStreamBomb(480));
		assert.equal(res.status, 404);
		const body = await res.json();
		assert.deepEqual({ status: body.status, match: body.match }, { status: 'unknown', match: false });
		assert.match(body.reason, /could not be read/);
		assert.equal((await fetch(`${BASE}/healthz`)).status, 200);
	});

	it('says so on the upload form, on a phone', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await page.goto(`${BASE}/verify`);
		await page.setInputFiles('#pdf', bombPath);
		await page.click('text=Check the file');
		await page.waitForSelector('#result-title');
		assert.equal(await page.textContent('#result-title'), 'Not verified');
		assert.match(await page.textContent('main'), /could not be read/);
		await axe(page, 'verify result: unreadable');
		await context.close();
	});

	it('reads in the reader thread what the byte scan cannot: a forged title inside an object stream is altered too', async () => {
		const doc = await PDFDocument.create();
		doc.addPage();
		doc.setTitle(`Certificate of Completion ${serial}`);
		const res = await api(await doc.save({ useObjectStreams: true }));
		const body = await res.json();
		assert.deepEqual(
			{ http: res.status, status: body.status, match: body.match },
			{ http: 200, status: 'altered', match: false }
		);
		assert.match(body.reason, new RegExp(serial));
	});

	it('answers a forged title naming a real serial as altered until the address has failed 20 checks, then 429 with Retry-After', async () => {
		clearLimits();
		const forged = titled(serial);
		for (let i = 1; i <= 20; i++) {
			const res = await api(forged);
			const body = await res.json();
			assert.equal(body.status, 'altered', `upload ${i}: ${JSON.stringify(body)}`);
		}
		const limited = await api(forged);
		assert.equal(limited.status, 429);
		assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After says when to try again');
		assert.equal((await limited.json()).error, 'rate_limited');
	});
});
