// Crash safety (SECURITY #19): start the built server on a scratch SQLite database, put it under
// write load, kill -9 it at a random moment, restart it, and repeat. Afterwards every write the
// server acknowledged must still be there (logins, autosaves, and each answered verification's row in
// the verification log), `PRAGMA integrity_check` must say ok, the audit log's and the verification
// log's hash chains must verify, and no enrollment may hold two valid certificates. Last, a graceful stop: SIGTERM
// while requests are in hand; each is answered, new ones are refused, the database is closed.
//
//   node scripts/chaos.mjs [--rounds 10] [--no-build]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { freePort } from './free-port.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values: opts } = parseArgs({
	options: { rounds: { type: 'string', default: '10' }, 'no-build': { type: 'boolean', default: false } }
});
const rounds = Number(opts.rounds);
const work = mkdtempSync(join(tmpdir(), 'js-chaos-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = {
	...process.env,
	DATABASE_URL: join(work, 'chaos.sqlite'),
	KEYS_DIR: join(work, 'keys'),
	ORIGIN: base,
	PORT: String(port),
	HOST: '127.0.0.1'
};
const participant = { email: 'thomas@demo.johnschool.test', password: 'river stone maple thirty' };
// MAX_SESSIONS_PER_USER in src/lib/server/auth/session.ts: older sessions of one person end at the next sign-in.
const MAX_SESSIONS = 10;

function run(cmd, args) {
	const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stdout}`);
	return r.stdout;
}

async function startServer() {
	const server = spawn('node', ['scripts/start.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	server.stdout.setEncoding('utf8');
	server.output = '';
	server.stdout.on('data', (d) => (server.output = (server.output + d).slice(-4000)));
	server.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) return server;
		} catch {
			// not listening yet
		}
		if (server.exitCode !== null || i > 150) throw new Error(`the server did not start: ${stderr}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

function killHard(server) {
	return new Promise((resolve) => {
		if (server.exitCode !== null) return resolve();
		server.once('exit', resolve);
		server.kill('SIGKILL');
	});
}

/**
 * One POST on a connection of its own (no keep-alive pool): resolves to the status and cookie, or the
 * error; `.sent` resolves once the whole request has been handed to the socket.
 */
function postAlone(path, headers, body) {
	let sent;
	const written = new Promise((r) => (sent = r));
	const answer = new Promise((resolve) => {
		const req = http.request(
			`${base}${path}`,
			{ method: 'POST', agent: false, headers: { origin: base, ...headers } },
			(res) => {
				res.resume();
				res.on('end', () =>
					resolve({
						status: res.statusCode,
						cookie: res.headers['set-cookie']?.join(', ').match(/((?:__Host-)?session=[^;]+)/)?.[1]
					})
				);
			}
		);
		req.on('error', (e) => {
			sent();
			resolve({ error: e.code ?? e.message });
		});
		req.on('finish', sent);
		req.end(body);
	});
	answer.sent = written;
	return answer;
}

function exited(server, ms) {
	return new Promise((resolve) => {
		if (server.exitCode !== null) return resolve(server.exitCode);
		const t = setTimeout(() => resolve('still running'), ms);
		server.once('exit', (code, signal) => {
			clearTimeout(t);
			resolve(code ?? signal);
		});
	});
}

/**
 * SIGTERM while logins (argon2: slow) and autosaves are in hand. Every request the server had
 * received is answered, a request soon after the signal is refused, the process exits 0 and closes the
 * database (SQLite then checkpoints and removes its WAL file).
 */
async function gracefulStop(server, cookie) {
	const problems = [];
	const form = new URLSearchParams(participant).toString();
	const inHand = [
		...Array.from({ length: 6 }, () =>
			postAlone('/login', { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, form)
		),
		// One number for all four: they may commit in any order, and each must leave it stored.
		...Array.from({ length: 4 }, () =>
			postAlone(
				`/learn/modules/${target.moduleId}/draft`,
				{ 'content-type': 'application/json', cookie },
				JSON.stringify({ promptId: target.promptId, body: `chaos draft ${nextDraft}` })
			)
		)
	];
	const draftNumber = nextDraft++;
	// Sent, then a moment for the server to read them (on a busy machine a fixed pause was too short, and
	// a request still unread at the signal is on a connection the server may close).
	await Promise.all(inHand.map((r) => r.sent));
	await new Promise((r) => setTimeout(r, 60));
	server.kill('SIGTERM');
	// Not at once: a request that arrives before the server's event loop takes the signal is served.
	await new Promise((r) => setTimeout(r, 300));
	const late = await postAlone(
		'/login',
		{ 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		form
	);
	const answers = await Promise.all(inHand);
	const code = await exited(server, 15_000);
	answers.slice(0, 6).forEach((a) => {
		if (a.status === 303 && a.cookie) acknowledgedSessions.push(a.cookie);
		else problems.push(`a login in hand at SIGTERM got ${a.error ?? a.status}`);
	});
	answers.slice(6).forEach((a) => {
		if (a.status === 200) lastAckedDraft = Math.max(lastAckedDraft, draftNumber);
		else problems.push(`an autosave in hand at SIGTERM got ${a.error ?? a.status}`);
	});
	if (!late.error) problems.push(`a request after SIGTERM was answered (${late.status}) instead of refused`);
	if (code !== 0) problems.push(`after SIGTERM the server ended with ${code}, not 0`);
	if (!server.output.includes('[shutdown]')) problems.push('the server did not report closing its database');
	if (existsSync(`${env.DATABASE_URL}-wal`)) problems.push('the WAL file is still there: the database was not closed');
	console.log(
		`graceful stop: SIGTERM with ${inHand.length} requests in hand; ${answers.filter((a) => a.status === 200 || a.status === 303).length} answered, the late one ${late.error ? `refused (${late.error})` : `answered ${late.status}`}, exit ${code}`
	);
	return problems;
}

async function loginOnce() {
	const res = await fetch(`${base}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: base },
		body: new URLSearchParams(participant)
	});
	const cookie = res.headers.get('set-cookie')?.match(/(?:^|,\s*)((?:__Host-)?session=[^;]+)/)?.[1];
	return res.status === 303 && cookie ? cookie : null;
}

if (!opts['no-build'] || !existsSync('build')) run('npx', ['vite', 'build', '--logLevel', 'error']);
run('npx', ['tsx', 'src/cli/main.ts', 'demo:load']);

// An open module and its first reflection prompt for the demo participant: the draft endpoint is
// the write that is retried most (autosave), so each acknowledged counter value must survive.
const setup = new Database(env.DATABASE_URL, { readonly: true });
const target = setup
	.prepare(
		`select m.id as moduleId, rp.id as promptId from enrollments e
		 join users u on u.id = e.user_id
		 join modules m on m.curriculum_version_id = e.curriculum_version_id
		 join reflection_prompts rp on rp.module_id = m.id
		 where u.email = ? order by m.position limit 1`
	)
	.get(participant.email);
const demoCertificate = setup
	.prepare('select c.serial, f.pdf from certificates c join certificate_files f on f.certificate_id = c.id limit 1')
	.get();
setup.close();
if (!target) throw new Error('no module found for the demo participant');
// The verification code is printed in the demo certificate's PDF only (its hash is stored).
writeFileSync(join(work, 'demo.pdf'), demoCertificate.pdf);
const verificationCode = run('pdftotext', ['-layout', join(work, 'demo.pdf'), '-'])
	.match(/((?:[A-Z2-7]{4} ){5,}[A-Z2-7]{1,4})/)[1]
	.replace(/\s/g, '');
let acknowledgedVerifications = 0;

const acknowledgedSessions = [];
let lastAckedDraft = 0;
let nextDraft = 1;
let attempts = 0;
let refused = 0;
let throttled = 0;

async function load(state, cookie) {
	const writers = [];
	// Logins: each acknowledged one created a session row and an audit entry.
	writers.push(
		(async () => {
			while (!state.killed) {
				attempts++;
				const c = await loginOnce().catch(() => null);
				if (c) acknowledgedSessions.push(c);
				else if (!state.killed) throw new Error('a login was refused while the server was up');
			}
		})()
	);
	// Draft autosaves with a rising counter, three at a time.
	for (let w = 0; w < 3; w++) {
		writers.push(
			(async () => {
				while (!state.killed) {
					const n = nextDraft++;
					attempts++;
					try {
						const res = await fetch(`${base}/learn/modules/${target.moduleId}/draft`, {
							method: 'POST',
							headers: { 'content-type': 'application/json', origin: base, cookie },
							body: JSON.stringify({ promptId: target.promptId, body: `chaos draft ${n}` })
						});
						// Writes are serialised by SQLite; a later acknowledged one may overwrite an earlier.
						if (res.ok) lastAckedDraft = Math.max(lastAckedDraft, n);
						else if (res.status === 429) {
							// The autosave throttle (src/lib/server/auth/throttle.ts): wait as the real client does.
							throttled++;
							await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') || 1) * 1000));
						} else refused++;
					} catch {
						refused++;
					}
				}
			})()
		);
	}
	// Verifications by the court's API: each answered one was logged, chained, before the answer.
	writers.push(
		(async () => {
			while (!state.killed) {
				attempts++;
				try {
					const res = await fetch(`${base}/api/v1/certificates/${demoCertificate.serial}?code=${verificationCode}`);
					if (res.status === 200) acknowledgedVerifications++;
					else if (res.status === 429) await new Promise((r) => setTimeout(r, 200));
					else refused++;
				} catch {
					refused++;
				}
			}
		})()
	);
	await Promise.all(writers);
}

let failures = [];
let server;
try {
	for (let round = 1; round <= rounds; round++) {
		server = await startServer();
		const cookie = await loginOnce();
		if (!cookie) throw new Error('could not log in after a restart');
		acknowledgedSessions.push(cookie);
		const runFor = 400 + Math.floor(Math.random() * 1200);
		const state = { killed: false };
		const loadDone = load(state, cookie);
		await new Promise((r) => setTimeout(r, runFor));
		state.killed = true;
		await killHard(server);
		await loadDone;
		process.stdout.write(
			`round ${round}/${rounds}: killed after ${runFor} ms; acknowledged so far: ${acknowledgedSessions.length} logins, draft #${lastAckedDraft}\n`
		);
	}

	// A person keeps at most MAX_SESSIONS_PER_USER sessions (src/lib/server/auth/session.ts), so older
	// acknowledged sessions may have been ended by newer logins (a login cut off by a kill may have
	// committed too, and counts). What must hold: every acknowledged login is in the audit log, the last
	// one still signs in, and the person has exactly as many sessions as the cap allows.
	server = await startServer();
	const last = await fetch(`${base}/learn`, { redirect: 'manual', headers: { cookie: acknowledgedSessions.at(-1) } });
	if (last.status !== 200) failures.push(`the last acknowledged login lost its session (${last.status})`);
	{
		const db = new Database(env.DATABASE_URL, { readonly: true });
		const userId = db.prepare('select id from users where email = ?').get(participant.email).id;
		const logged = db
			.prepare("select count(*) n from audit_log where action = 'auth.login' and outcome = 'success' and actor_id = ?")
			.get(userId).n;
		const open = db.prepare('select count(*) n from sessions where user_id = ?').get(userId).n;
		db.close();
		if (logged < acknowledgedSessions.length)
			failures.push(`${acknowledgedSessions.length - logged} acknowledged logins are missing from the audit log`);
		if (open !== Math.min(MAX_SESSIONS, logged))
			failures.push(`${open} sessions are open, not ${Math.min(MAX_SESSIONS, logged)}`);
	}
	failures.push(...(await gracefulStop(server, acknowledgedSessions.at(-1))));
	server = null;

	const db = new Database(env.DATABASE_URL);
	const integrity = db.pragma('integrity_check', { simple: true });
	if (integrity !== 'ok') failures.push(`integrity_check: ${integrity}`);
	const draft = db.prepare('select body from reflection_drafts where prompt_id = ?').get(target.promptId);
	const saved = Number(draft?.body.match(/chaos draft (\d+)/)?.[1] ?? 0);
	if (saved < lastAckedDraft)
		failures.push(`the draft went back: #${saved} stored, #${lastAckedDraft} was acknowledged`);
	const verified = db
		.prepare("select count(*) n from verification_log where method = 'api' and serial = ?")
		.get(demoCertificate.serial).n;
	if (verified < acknowledgedVerifications)
		failures.push(
			`${acknowledgedVerifications - verified} answered verifications are missing from the verification log`
		);
	const dupes = db
		.prepare(
			"select enrollment_id, count(*) n from certificates where status = 'valid' group by enrollment_id having count(*) > 1"
		)
		.all();
	if (dupes.length) failures.push(`${dupes.length} enrollment(s) with two valid certificates`);
	db.close();
	const audit = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'audit:verify'], { env, encoding: 'utf8' });
	if (audit.status !== 0) failures.push(`audit:verify: ${audit.stdout.trim()} ${audit.stderr.trim()}`);

	console.log(
		`\n${rounds} kill -9 rounds, ${attempts} write requests (${refused} cut off by a kill, ${throttled} autosaves refused by the throttle).`
	);
	console.log(
		`Checked: ${acknowledgedSessions.length} acknowledged logins in the audit log, the last still signed in and ${MAX_SESSIONS} sessions open, draft #${saved} stored (last acknowledged #${lastAckedDraft}), integrity_check ${integrity}, ${acknowledgedVerifications} answered verifications logged (${verified} rows), audit and verification log chains ${audit.status === 0 ? 'verified' : 'BROKEN'}, ${dupes.length} duplicate certificates.`
	);
} catch (e) {
	failures.push(String(e?.stack ?? e));
} finally {
	if (server) await killHard(server);
	rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
	console.log(`CHAOS FAILED:\n- ${failures.join('\n- ')}`);
	process.exit(1);
}
console.log('CHAOS OK');
