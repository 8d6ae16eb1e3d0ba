// Floods of authenticated JSON writes (src/lib/server/auth/throttle.ts), over HTTP against the built
// server: draft autosaves and heartbeats beyond the client's pace get 429 with Retry-After and write
// nothing; in the browser, an autosave refused with 429 is sent again with the latest text, and the
// seat timer carries on. A participant of his own, so the demo accounts' buckets are left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BASE, db, launch, newPage } from './helpers.mjs';

let him;
let cookie;
let browser;

function fresh() {
	const r = spawnSync('npx', ['tsx', 'tests/e2e/support/fresh-participant.ts'], { env: process.env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function signIn(who) {
	const res = await fetch(`${BASE}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: BASE },
		body: new URLSearchParams({ email: who.email, password: who.password })
	});
	const c = res.headers.get('set-cookie')?.match(/((?:__Host-)?session=[^;]+)/)?.[1];
	assert.ok(res.status === 303 && c, `sign-in as ${who.email} failed (${res.status})`);
	return c;
}

const post = (path, body) =>
	fetch(`${BASE}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: BASE, cookie },
		body: JSON.stringify(body)
	});

function read(sql, ...args) {
	const d = db();
	try {
		return d.prepare(sql).get(...args);
	} finally {
		d.close();
	}
}
const storedDraft = () =>
	read('select body from reflection_drafts where enrollment_id = ? and prompt_id = ?', him.enrollmentId, him.promptId)
		?.body;
const lastBeat = () =>
	read('select seat_last_beat_at from enrollments where id = ?', him.enrollmentId).seat_last_beat_at;

before(async () => {
	him = fresh();
	cookie = await signIn(him);
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

describe('throttled writes over HTTP', () => {
	it(
		'refuses most of 400 rapid draft saves with 429 and Retry-After, and stores the last accepted text',
		{ timeout: 90_000 },
		async () => {
			const statuses = [];
			let lastAccepted = null;
			for (let i = 1; i <= 400; i++) {
				const text = `draft number ${i}`;
				const before = storedDraft();
				const res = await post(`/learn/modules/${him.moduleId}/draft`, { promptId: him.promptId, body: text });
				statuses.push(res.status);
				if (res.status === 200) lastAccepted = text;
				if (res.status === 429) {
					assert.ok(Number(res.headers.get('retry-after')) >= 1, 'a 429 says when to come back');
					assert.match((await res.json()).message, /saved again/);
					assert.equal(storedDraft(), before, `refused save #${i} wrote nothing`);
				} else await res.arrayBuffer();
			}
			const refused = statuses.filter((s) => s === 429).length;
			assert.deepEqual([...new Set(statuses)].sort(), [200, 429], 'every save is accepted or refused, nothing else');
			assert.ok(refused >= 350, `only ${refused} of 400 saves were refused`);
			assert.equal(statuses.at(-1), 429, 'the last one sent was refused, so what is stored is not simply the last one');
			assert.equal(storedDraft(), lastAccepted, 'the last accepted text is the one stored');
		}
	);

	it('refuses a flood of heartbeats with 429 and moves nothing for them', { timeout: 90_000 }, async () => {
		const statuses = [];
		for (let i = 0; i < 60; i++) {
			const before = lastBeat();
			const res = await post(`/learn/modules/${him.moduleId}/heartbeat`, {});
			statuses.push(res.status);
			await res.arrayBuffer();
			if (res.status === 429) {
				assert.ok(Number(res.headers.get('retry-after')) >= 1);
				assert.equal(lastBeat(), before, 'a refused heartbeat leaves the last beat where it was');
			}
		}
		assert.ok(statuses.filter((s) => s === 429).length >= 40, statuses.join(','));
	});
});

describe('the clients under the throttle', () => {
	it('saves what he typed after a 429, once Retry-After has passed', { timeout: 90_000 }, async () => {
		const { page, context } = await newPage(browser);
		await context.addCookies([{ name: cookie.split('=')[0], value: cookie.split('=').slice(1).join('='), url: BASE }]);
		await page.goto(`${BASE}/learn/modules/${him.moduleId}`);
		const text = 'Typed while another tab was flooding the autosave; none of it may be lost.';
		await page.locator('textarea').first().fill(text);
		// Keep the bucket empty (from this page, as another tab would) until the autosave has been refused.
		const sawRefusal = await page.evaluate(async ({ moduleId, promptId }) => {
			const status = document.querySelector('textarea').closest('form').querySelector('p[role=status]');
			const until = Date.now() + 20_000;
			while (Date.now() < until) {
				if (status?.textContent?.includes('Saving the draft')) return true;
				await Promise.all(
					Array.from({ length: 5 }, () =>
						fetch(`/learn/modules/${moduleId}/draft`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: JSON.stringify({ promptId, body: 'flood' })
						})
					)
				);
			}
			return false;
		}, him);
		assert.ok(sawRefusal, 'the autosave was refused and said it is saving');
		await page.waitForFunction(
			() =>
				document.querySelector('textarea').closest('form').querySelector('p[role=status]').textContent ===
				'Draft saved.',
			null,
			{ timeout: 15_000 }
		);
		assert.equal(storedDraft(), text);
		await page.reload();
		assert.equal(await page.locator('textarea').first().inputValue(), text, 'the draft came back after a reload');
		await context.close();
	});

	it('keeps the seat timer going through a refused heartbeat, with no error shown', { timeout: 90_000 }, async () => {
		const { page, context } = await newPage(browser);
		await context.addCookies([{ name: cookie.split('=')[0], value: cookie.split('=').slice(1).join('='), url: BASE }]);
		await page.goto(`${BASE}/learn/modules/${him.moduleId}`);
		await page.waitForSelector('#seat-progress');
		await page.evaluate(async (moduleId) => {
			for (let i = 0; i < 20; i++)
				await fetch(`/learn/modules/${moduleId}/heartbeat`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: '{}'
				});
		}, him.moduleId);
		// The timer beats again when the page (still visible) says its visibility changed.
		const [refused] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/heartbeat') && r.request().method() === 'POST'),
			page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
		]);
		assert.equal(refused.status(), 429);
		// Give the page's handler a moment to run (before the client knew 429 it said the connection was lost).
		await page.waitForTimeout(300);
		assert.equal(await page.locator('text=Connection lost').count(), 0, 'no "connection lost" for a refused beat');
		await context.close();
	});
});
