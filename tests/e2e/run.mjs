// Browser tests: build the app, start it on a scratch SQLite database with the demo program,
// then run the journeys (node's test runner) in Debian's Chromium through playwright-core. The
// server's PDF signatures are time-stamped by a local RFC 3161 TSA (scripts/test-tsa.mjs, openssl).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../scripts/free-port.mjs';
import { spawnTestTsa } from '../../scripts/test-tsa.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
	console.log(`SKIPPED: browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium).`);
	process.exit(process.env.CI ? 1 : 0);
}

const work = mkdtempSync(join(tmpdir(), 'js-e2e-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// In a process of its own: this one waits in spawnSync while the server asks it for time-stamps.
const tsa = await spawnTestTsa({ dir: mkdtempSync(join(tmpdir(), 'js-e2e-tsa-')) });
const env = {
	...process.env,
	TSA_URL: tsa.url,
	TSA_CA_FILE: tsa.caFile,
	E2E_TSA_CA_FILE: tsa.caFile,
	DATABASE_URL: join(work, 'e2e.sqlite'),
	KEYS_DIR: join(work, 'keys'),
	ORIGIN: base,
	PORT: String(port),
	HOST: '127.0.0.1',
	E2E_BASE_URL: base,
	E2E_WORK: work
};

function run(cmd, args) {
	const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
}

let server;
let code = 1;
try {
	if (process.env.E2E_SKIP_BUILD !== '1') run('npx', ['vite', 'build', '--logLevel', 'warn']);
	run('npx', ['tsx', 'src/cli/main.ts', 'demo:load']);
	// The journeys wait for real heartbeats: make the demo program's minimum seat time a few seconds.
	const db = new Database(env.DATABASE_URL);
	const row = db.prepare("select settings_json from programs where slug = 'ramsey-opp'").get();
	db.prepare("update programs set settings_json = ? where slug = 'ramsey-opp'").run(
		JSON.stringify({ ...JSON.parse(row.settings_json), seatTimePercent: 0.4 })
	);
	db.close();

	server = spawn('node', ['scripts/start.mjs'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
	server.stdout.on('data', (d) => process.env.E2E_VERBOSE && process.stdout.write(d));
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) break;
		} catch {
			// not listening yet
		}
		if (i > 100) throw new Error('the server did not start');
		await new Promise((r) => setTimeout(r, 100));
	}
	const files = process.argv.slice(2).length ? process.argv.slice(2) : ['tests/e2e/'];
	const t = spawnSync('node', ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
		stdio: 'inherit',
		env
	});
	code = t.status ?? 1;
} catch (e) {
	console.error(e);
	code = 1;
} finally {
	// Wait for it to finish: a server still writing its shutdown line to a closed pipe dies of EPIPE.
	if (server && server.exitCode === null) {
		const exited = new Promise((r) => server.once('exit', r));
		server.kill();
		await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
	}
	await tsa.close();
	if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
	if (!process.env.E2E_KEEP) rmSync(tsa.dir, { recursive: true, force: true });
}
process.exit(code);
