// `npm run bench`: speed figures, measured (never asserted in tests). Starts the built server on a
// scratch database with the demo program, then measures
//   1. issuing a certificate (render + Ed25519 + PDF signature, warm) in the worker thread, as the
//      server does, and on the main thread for comparison, with the event-loop stall each causes;
//   2. other requests while certificates are issued: one connection probing /healthz, first idle,
//      then while an admin reissues certificates through the real form (each one a full issue);
//   3. the verification API under load (autocannon, 50 connections, loopback), and a bare SvelteKit
//      endpoint (/healthz) under the same load, for comparison;
//   4. pages and hot writes against a minimal SvelteKit app of the same versions (scripts/bench-pages.mjs),
//      as ratios of its figures;
//   5. hostile uploads (scripts/bench-uploads.mjs): the server's event-loop stall and RSS growth while
//      files built to cost it are checked, and the per-address limit (last: it blocks the address).
// BENCH_PAGES_ONLY=1 runs phase 4 alone (BENCH_PAGES_FILTER=heartbeat,draft: only those pages), BENCH_UPLOADS_ONLY=1 phase 5 alone.
// On a shared 2-core machine every figure moves with whatever else runs: run it a few times.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostileUploads } from './bench-uploads.mjs';
import { pageBench } from './bench-pages.mjs';
import { freePort } from './free-port.mjs';
import { spawnTestTsa } from './test-tsa.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const work = mkdtempSync(join(tmpdir(), 'js-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// BODY_SIZE_LIMIT: adapter-node refuses bodies over 512 KB by default; the uploads phase sends files up
// to the app's own cap (5 MB, config.maxUploadBytes), the worst a deployment that raises it would see.
// The server time-stamps its signatures too (the reissues of phase 2), with a local RFC 3161 TSA.
// WRITE_THROTTLE=off: phase 4 sends one participant's heartbeats and drafts at full load.
const tsa = await spawnTestTsa();
const env = {
	...process.env,
	TSA_URL: tsa.url,
	TSA_CA_FILE: tsa.caFile,
	DATABASE_URL: join(work, 'bench.sqlite'),
	KEYS_DIR: join(work, 'keys'),
	ORIGIN: base,
	PORT: String(port),
	HOST: '127.0.0.1',
	BODY_SIZE_LIMIT: '6M',
	WRITE_THROTTLE: 'off'
};
const sh = (cmd, args) => {
	const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
};

// Always the current code: a stale build/ would measure (or fail on) yesterday's server.
if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync('build/index.js'))
	sh('npx', ['vite', 'build', '--logLevel', 'warn']);
sh('npx', ['tsx', 'src/cli/main.ts', 'demo:load']);

const uploadsOnly = process.env.BENCH_UPLOADS_ONLY === '1';
const pagesOnly = process.env.BENCH_PAGES_ONLY === '1';
if (!uploadsOnly && !pagesOnly) {
	console.log(
		'1. Issuing a certificate (warm keys, 30 in a row; PAdES B-LT with its RFC 3161 time-stamp from a local TSA, openssl ts -reply per request)'
	);
	const issue = JSON.parse(
		execFileSync('npx', ['tsx', 'scripts/bench-issue.ts'], { env, encoding: 'utf8' }).trim().split('\n').pop()
	);
	const show = (r) =>
		`p50 ${r.p50} ms, p99 ${r.p99} ms; main thread busy ${r.mainThreadMsPerCertificate} ms per certificate, longest event-loop stall ${r.maxStallMs} ms`;
	console.log(`   in the worker thread (as the server does): ${show(issue.worker)}`);
	console.log(`   on the main thread (before):               ${show(issue.mainThread)}`);
	console.log(`   in the worker thread without a time-stamp:  ${show(issue.workerWithoutTsa)}`);
	console.log(
		`   of which the time-stamp round trip alone (request, openssl ts -reply, checks): p50 ${issue.timestamp.p50} ms, p99 ${issue.timestamp.p99} ms`
	);
	if (issue.untimestamped)
		console.log(`   WARNING: ${issue.untimestamped} of the measured certificates came back without a time-stamp`);
	console.log(`   (an idle event loop's longest stall on this machine just now: ${issue.idleMaxStallMs} ms)`);
}

// The demo certificate's verification code is printed in its PDF.
const db = new Database(env.DATABASE_URL, { readonly: true });
const cert = db
	.prepare(
		'select c.id, c.serial, c.facts_json, f.pdf from certificates c join certificate_files f on f.certificate_id = c.id'
	)
	.get();
db.close();
const pdfPath = join(work, 'c.pdf');
writeFileSync(pdfPath, cert.pdf);
const code = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' })
	.match(/((?:[A-Z2-7]{4} ){5,}[A-Z2-7]{1,4})/)[1]
	.replace(/\s/g, '');

/** Sequential GET /healthz on one connection for `ms`: how long any one request waited. */
async function probe(ms) {
	const times = [];
	const end = performance.now() + ms;
	while (performance.now() < end) {
		const t = performance.now();
		const r = await fetch(`${base}/healthz`);
		await r.arrayBuffer();
		times.push(performance.now() - t);
	}
	times.sort((a, b) => a - b);
	return { n: times.length, p99: +times[Math.floor(times.length * 0.99)].toFixed(1), max: +times.at(-1).toFixed(1) };
}

/** Logs in as the demo admin and reissues the demo certificate again and again (each reissue is a full issue). */
async function whileIssuing(ms) {
	const form = (o) => new URLSearchParams(o).toString();
	const post = (path, body, cookie) =>
		fetch(base + path, {
			method: 'POST',
			redirect: 'manual',
			body,
			headers: {
				origin: base,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				...(cookie ? { cookie } : {})
			}
		});
	// The demo admin (db/demo/demo-data.ts).
	const login = await post(
		'/login',
		form({ email: 'admin@demo.johnschool.test', password: 'violet harbor lantern sixty' })
	);
	const cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	if (login.status !== 303 || !cookie) throw new Error(`bench: admin login failed (${login.status})`);
	const f = JSON.parse(cert.facts_json);
	let id = cert.id;
	let issued = 0;
	let stop = false;
	const started = performance.now();
	const loop = (async () => {
		while (!stop) {
			const r = await post(
				`/admin/certificates/${id}?/reissue`,
				form({
					legalName: f.participantName,
					dateOfBirth: f.dateOfBirth,
					caseNumber: f.caseNumber,
					offence: f.offence ?? '',
					reason: 'Benchmark reissue'
				}),
				cookie
			);
			const next = /\/admin\/certificates\/([^?]+)\?reissued=1/.exec(r.headers.get('location') ?? '');
			if (r.status !== 303 || !next) throw new Error(`bench: reissue answered ${r.status}`);
			id = next[1];
			issued++;
		}
	})();
	const result = await probe(ms);
	stop = true;
	await loop;
	return { probe: result, issued, msPerCertificate: Math.round((performance.now() - started) / issued) };
}

// The server runs with a small preload that reports its own event-loop delay on SIGUSR2.
const server = spawn('node', ['--import', './scripts/bench-loop-monitor.mjs', 'scripts/start.mjs'], {
	env,
	stdio: ['ignore', 'pipe', 'pipe']
});
let serverOut = '';
let serverLog = ''; // what the server printed, less the monitor's LOOP lines
server.stdout.on('data', (d) => {
	serverOut += d;
	serverLog += String(d).replace(/^LOOP .*\n/gm, '');
});
server.stderr.on('data', (d) => (serverLog += d));
/** The server's event loop since the last call: longest delay, p99, busy time. */
async function serverLoop() {
	const before = serverOut.length;
	server.kill('SIGUSR2');
	for (let i = 0; i < 50 && !/LOOP .*\n/.test(serverOut.slice(before)); i++)
		await new Promise((r) => setTimeout(r, 20));
	return JSON.parse(/LOOP (.*)\n/.exec(serverOut.slice(before))[1]);
}
try {
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) break;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	await probe(1000); // warm-up: the server has just started (its certificate worker is still loading)
	if (!uploadsOnly && !pagesOnly) await otherPhases();
	if (!uploadsOnly) {
		console.log(
			`4. Pages and hot writes against a minimal SvelteKit app of the same versions (${seconds} s each, 50 connections)`
		);
		await pageBench({ base, databasePath: env.DATABASE_URL, work, seconds });
	}
	if (!pagesOnly) {
		console.log('5. Hostile uploads, one after another from one address, one connection probing GET /healthz');
		await hostileUploads({
			base,
			pid: server.pid,
			serial: cert.serial,
			certificate: cert.pdf,
			serverLoop,
			serverLog: () => serverLog
		});
	}
} finally {
	server.kill();
	await tsa.close();
	rmSync(work, { recursive: true, force: true });
}

async function otherPhases() {
	const load = async (label, path) => {
		const r = await autocannon({ url: base + path, connections: 50, duration: seconds });
		console.log(
			`   ${label}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`
		);
		return r.requests.average;
	};
	console.log(
		`2. Other requests while certificates are issued (${seconds} s each, one connection probing GET /healthz)`
	);
	await serverLoop();
	const idle = await probe(seconds * 1000);
	const idleLoop = await serverLoop();
	console.log(
		`   idle:          probe p99 ${idle.p99} ms, longest ${idle.max} ms (${idle.n} requests); server event loop longest stall ${idleLoop.maxDelayMs} ms, p99 ${idleLoop.p99DelayMs} ms`
	);
	const issuing = await whileIssuing(seconds * 1000);
	const issuingLoop = await serverLoop();
	console.log(
		`   while issuing: probe p99 ${issuing.probe.p99} ms, longest ${issuing.probe.max} ms (${issuing.probe.n} requests); server event loop longest stall ${issuingLoop.maxDelayMs} ms, p99 ${issuingLoop.p99DelayMs} ms`
	);
	// Main-thread time per reissue request: the busy time less what the probe's requests cost when idle.
	const perProbe = idleLoop.busyMs / idle.n;
	const perCertificate = (issuingLoop.busyMs - issuing.probe.n * perProbe) / issuing.issued;
	console.log(
		`                  ${issuing.issued} certificates reissued by an admin through the form, ${issuing.msPerCertificate} ms each; ` +
			`the server's main thread busy ~${perCertificate.toFixed(1)} ms per reissue request`
	);

	console.log(`3. Load, ${seconds} s each, 50 connections, loopback`);
	// The verification API rate-limits wrong codes only; these requests all carry the right one.
	const verify = await load(
		'GET /api/v1/certificates/<serial>?code=…',
		`/api/v1/certificates/${cert.serial}?code=${code}`
	);
	const floor = await load('GET /healthz (a bare endpoint with one query)', '/healthz');
	console.log(`   verification API at ${Math.round((verify / floor) * 100)}% of the bare endpoint`);
}
