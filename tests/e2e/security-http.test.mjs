// The security test's findings, replayed over HTTP against the built server as an attacker would send
// them: open redirects and header injection through `next`, the upload limit and its message, caching
// of personal pages, HSTS, and client addresses through a reverse proxy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../scripts/free-port.mjs';
import { BASE, accounts, db } from './helpers.mjs';

/** A POST of a form as a browser on `origin` sends it (SvelteKit checks the Origin of form posts). */
function postForm(base, path, fields, { origin = base, headers = {} } = {}) {
	return fetch(`${base}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin, ...headers },
		body: new URLSearchParams(fields)
	});
}

describe('sign-in redirects (`next`)', () => {
	const hostile = [
		'/\t/evil.example',
		'//evil.example',
		'/\\evil.example',
		'/\n/evil.example',
		'https://evil.example/',
		'/%09/evil.example',
		'/\u3000/evil.example'
	];
	for (const next of hostile) {
		it(`never sends a signed-in person to another site for next=${JSON.stringify(next)}`, async () => {
			const r = await postForm(BASE, '/login', {
				email: accounts.facilitator.email,
				password: accounts.facilitator.password,
				next
			});
			assert.equal(r.status, 303);
			const target = new URL(r.headers.get('location'), BASE);
			assert.equal(target.origin, new URL(BASE).origin, `went to ${target.href}`);
		});
	}

	for (const next of ['/learn\r\nSet-Cookie: x=y', '/learn\nx', '/learn\u3000x']) {
		it(`answers a signed-in redirect, not a 500, for next=${JSON.stringify(next)}`, async () => {
			const r = await postForm(BASE, '/login', {
				email: accounts.facilitator.email,
				password: accounts.facilitator.password,
				next
			});
			assert.equal(r.status, 303);
			assert.equal(r.headers.get('set-cookie')?.includes('x=y'), false);
		});
	}

	it('keeps a same-site next with its query', async () => {
		const r = await postForm(BASE, '/login', {
			email: accounts.facilitator.email,
			password: accounts.facilitator.password,
			next: '/facilitate/grading?module=x'
		});
		assert.equal(r.headers.get('location'), '/facilitate/grading?module=x');
	});
});

/**
 * An oversized body over a connection of its own. The headers go first: a server that refuses the
 * declared length answers before the body is sent (as it should), and the body follows only if no
 * answer came; otherwise the server's early close could reset the connection before the answer is read.
 */
function postRaw(path, body, headers) {
	return new Promise((resolve, reject) => {
		const req = request(`${BASE}${path}`, {
			method: 'POST',
			agent: false,
			headers: { 'content-length': body.length, origin: BASE, accept: 'text/html', ...headers }
		});
		let answered = false;
		req.on('response', (res) => {
			answered = true;
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => (text += d));
			res.on('end', () => resolve({ status: res.statusCode, text }));
		});
		const expected = (e) => (answered || e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e));
		req.on('error', expected);
		req.on('socket', (socket) => socket.on('error', expected));
		req.flushHeaders();
		setTimeout(() => (answered ? req.destroy() : req.end(body)), 1000);
	});
}

describe('request size', () => {
	const pdfOf = (bytes) => {
		const b = Buffer.alloc(bytes, 0x20);
		b.write('%PDF-1.7\n');
		return b;
	};

	it('refuses a 6 MB upload with a plain "too large" message, never "Not found"', async () => {
		const boundary = 'x-boundary-x';
		const body = Buffer.concat([
			Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`
			),
			pdfOf(6 * 1024 * 1024),
			Buffer.from(`\r\n--${boundary}--\r\n`)
		]);
		const r = await postRaw('/verify?/upload', body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
		assert.equal(r.status, 413);
		assert.match(r.text, /too large/i);
		assert.doesNotMatch(r.text, /Not found/);
	});

	it("accepts a 1 MB upload up to the verification (over adapter-node's 512 KB default)", async () => {
		const r = await fetch(`${BASE}/api/v1/certificates/verify`, {
			method: 'POST',
			body: pdfOf(1024 * 1024),
			headers: { 'content-type': 'application/pdf' }
		});
		assert.notEqual(r.status, 413, await r.clone().text());
		const body = await r.json();
		assert.equal(body.match, false);
	});

	it('refuses a 2 MB body to a page that takes none that large, plainly', async () => {
		const r = await postRaw(
			'/login',
			Buffer.from(new URLSearchParams({ email: 'x@example.test', password: 'y'.repeat(2 * 1024 * 1024) }).toString()),
			{ 'content-type': 'application/x-www-form-urlencoded' }
		);
		assert.equal(r.status, 413);
		assert.match(r.text, /too large/i);
	});
});

describe('caching', () => {
	it('tells every cache not to keep a verification result or a signed-in page', async () => {
		const serial = db().prepare("select serial from certificates where status = 'valid' limit 1").get().serial;
		for (const path of [
			`/verify/${serial}?code=wrong-code`,
			'/verify',
			'/login',
			`/api/v1/certificates/${serial}?code=wrong-code`
		]) {
			const r = await fetch(`${BASE}${path}`, { redirect: 'manual' });
			assert.match(r.headers.get('cache-control') ?? '', /no-store/, path);
		}
	});
});

describe('behind a reverse proxy, over https', () => {
	let server;
	let base;
	const origin = 'https://johnschool.example.org';
	before(async () => {
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		// The same database as the main test server, reached as a TLS proxy would forward it.
		server = spawn('node', ['scripts/start.mjs'], {
			env: {
				...process.env,
				PORT: String(port),
				HOST: '127.0.0.1',
				ORIGIN: origin,
				ADDRESS_HEADER: 'x-forwarded-for',
				XFF_DEPTH: '1'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		for (let i = 0; ; i++) {
			try {
				if ((await fetch(`${base}/healthz`)).ok) break;
			} catch {
				// not listening yet
			}
			if (i > 100) throw new Error('the proxied server did not start');
			await new Promise((r) => setTimeout(r, 100));
		}
	});
	after(() => server?.kill());

	it('sends HSTS and __Host- cookies', async () => {
		const r = await fetch(`${base}/login`, { headers: { 'x-forwarded-for': '198.51.100.1' } });
		assert.match(r.headers.get('strict-transport-security') ?? '', /max-age=31536000; includeSubDomains/);
		const signIn = await postForm(
			base,
			'/login',
			{ email: accounts.clerk.email, password: accounts.clerk.password },
			{ origin, headers: { 'x-forwarded-for': '198.51.100.2' } }
		);
		assert.equal(signIn.status, 303);
		assert.match(signIn.headers.get('set-cookie') ?? '', /__Host-session=[^;]+;.*Secure/i);
	});

	it('limits each client address on its own, from the address the proxy forwards, and logs that address', async () => {
		// 31 failures from one client behind the proxy: that client is slowed …
		for (let i = 0; i < 31; i++) {
			await postForm(
				base,
				'/login',
				{ email: `sprayed-${i}@nowhere.test`, password: 'a guessed passphrase here' },
				{ origin, headers: { 'x-forwarded-for': '203.0.113.66' } }
			);
		}
		const slowed = await postForm(
			base,
			'/login',
			{ email: accounts.clerk.email, password: accounts.clerk.password },
			{ origin, headers: { 'x-forwarded-for': '203.0.113.66' } }
		);
		assert.equal(slowed.status, 429);
		// … and another client behind the same proxy is not.
		const other = await postForm(
			base,
			'/login',
			{ email: accounts.clerk.email, password: accounts.clerk.password },
			{ origin, headers: { 'x-forwarded-for': '203.0.113.77' } }
		);
		assert.equal(other.status, 303);
		const row = db()
			.prepare("select ip from audit_log where action = 'auth.login' and outcome = 'success' order by seq desc limit 1")
			.get();
		assert.equal(row.ip, '203.0.113.77');
	});
});
