// `npm test`: every test — unit and integration (vitest, on SQLite and PostgreSQL) and the browser
// journeys (playwright-core in Debian's Chromium) and a kill -9 crash-safety run. Says clearly what was skipped; under CI a skipped
// PostgreSQL run or browser run is a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ci = !!process.env.CI;
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function postgresUp() {
	const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
	try {
		await c.connect();
		await c.query('select 1');
		return true;
	} catch {
		return false;
	} finally {
		await c.end().catch(() => {});
	}
}

function run(cmd, args, env = process.env) {
	return new Promise((resolve) => {
		let tail = '';
		const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
		child.stdout.on('data', (d) => {
			process.stdout.write(d);
			tail = (tail + d.toString()).slice(-4000);
		});
		child.on('exit', (code) => resolve({ code: code ?? 1, tail }));
	});
}

const skipped = [];
const pgReady = await postgresUp();
if (!pgReady)
	skipped.push(
		`PostgreSQL (nothing answers at ${pgUrl.replace(/\/\/[^@]*@/, '//')}): the PostgreSQL runs of the database tests were SKIPPED`
	);
if (!existsSync(chromium))
	skipped.push(`browser tests (no Chromium at ${chromium}; apt-get install -y chromium): SKIPPED`);

const report = join(mkdtempSync(join(tmpdir(), 'js-test-')), 'vitest.json');
console.log('== Unit and integration tests (vitest)');
const unit = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`], {
	...process.env,
	SKIP_POSTGRES: pgReady ? '' : '1'
});
let passed = 0;
let failed = 0;
let skippedTests = 0;
try {
	const r = JSON.parse(readFileSync(report, 'utf8'));
	passed += r.numPassedTests;
	failed += r.numFailedTests;
	skippedTests += r.numPendingTests + (r.numTodoTests ?? 0);
} catch {
	failed += 1;
}
if (unit.code !== 0 && failed === 0) failed = 1;

let e2eCode = 0;
if (existsSync(chromium)) {
	console.log('\n== Browser tests (playwright-core + Chromium)');
	const e2e = await run('node', ['tests/e2e/run.mjs']);
	e2eCode = e2e.code;
	const num = (k) => Number(e2e.tail.match(new RegExp(`ℹ ${k} (\\d+)`))?.[1] ?? 0);
	passed += num('pass');
	// A failed before() hook cancels its tests: those count as failures too.
	failed += num('fail') + num('cancelled') + (e2e.code !== 0 && num('fail') + num('cancelled') === 0 ? 1 : 0);
	skippedTests += num('skipped');
}

// Crash safety: kill -9 under write load, on the build the browser tests just made.
console.log('\n== Crash safety (kill -9 under write load)');
const chaos = await run('node', ['scripts/chaos.mjs', '--rounds', '6', '--no-build']);
if (chaos.code === 0) passed += 1;
else failed += 1;

console.log('');
for (const s of skipped) console.log(`NOTE: ${s}`);
const ciProblem = ci && skipped.length > 0;
if (ciProblem) console.log('CI requires every suite to run: failing because something was skipped.');
console.log(`Total: ${passed} passed, ${failed + (ciProblem ? 1 : 0)} failed, ${skippedTests} skipped`);
process.exit(unit.code !== 0 || e2eCode !== 0 || chaos.code !== 0 || failed > 0 || ciProblem ? 1 : 0);
