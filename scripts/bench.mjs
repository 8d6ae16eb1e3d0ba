// `npm run bench`: speed figures, measured (never asserted in tests). Starts the built server on a
// scratch database with the demo program, then measures
//   1. issuing a certificate (render + Ed25519 + PDF signature, warm), and the event-loop stall it causes;
//   2. the verification API under load (autocannon, 50 connections, loopback);
//   3. a bare SvelteKit endpoint (/healthz) under the same load, for comparison.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const work = mkdtempSync(join(tmpdir(), 'js-bench-'));
const port = await new Promise((resolve) => {
	const s = createServer().listen(0, '127.0.0.1', () => {
		const { port } = s.address();
		s.close(() => resolve(port));
	});
});
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, DATABASE_URL: join(work, 'bench.sqlite'), KEYS_DIR: join(work, 'keys'), ORIGIN: base, PORT: String(port), HOST: '127.0.0.1' };
const sh = (cmd, args) => {
	const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
};

if (!existsSync('build/index.js')) sh('npx', ['vite', 'build', '--logLevel', 'warn']);
sh('npx', ['tsx', 'src/cli/main.ts', 'demo:load']);

console.log('1. Issuing a certificate (warm keys, 30 in a row)');
const issue = JSON.parse(execFileSync('npx', ['tsx', 'scripts/bench-issue.ts'], { env, encoding: 'utf8' }).trim().split('\n').pop());
console.log(`   render + both signatures: p50 ${issue.p50} ms, p99 ${issue.p99} ms; longest event-loop stall ${issue.maxEventLoopDelayMs} ms`);

// The demo certificate's verification code is printed in its PDF.
const db = new Database(env.DATABASE_URL, { readonly: true });
const cert = db.prepare('select c.serial, f.pdf from certificates c join certificate_files f on f.certificate_id = c.id').get();
db.close();
const pdfPath = join(work, 'c.pdf');
writeFileSync(pdfPath, cert.pdf);
const code = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).match(/((?:[A-Z2-7]{4} ){5,}[A-Z2-7]{1,4})/)[1].replace(/\s/g, '');

const server = spawn('node', ['build'], { env, stdio: 'ignore' });
try {
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) break;
		} catch {}
		await new Promise((r) => setTimeout(r, 100));
	}
	const load = async (label, path) => {
		const r = await autocannon({ url: base + path, connections: 50, duration: seconds });
		console.log(`   ${label}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`);
		return r.requests.average;
	};
	console.log(`2. Load, ${seconds} s each, 50 connections, loopback`);
	// The verification API rate-limits wrong codes only; these requests all carry the right one.
	const verify = await load('GET /api/v1/certificates/<serial>?code=…', `/api/v1/certificates/${cert.serial}?code=${code}`);
	const floor = await load('GET /healthz (a bare endpoint with one query)', '/healthz');
	console.log(`   verification API at ${Math.round((verify / floor) * 100)}% of the bare endpoint`);
} finally {
	server.kill();
	rmSync(work, { recursive: true, force: true });
}
