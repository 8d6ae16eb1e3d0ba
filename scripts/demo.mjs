// `npm run demo`: build, migrate, load the demo program and start the app on SQLite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const port = process.env.PORT ?? '3000';
const host = process.env.HOST ?? '127.0.0.1';
const origin = process.env.ORIGIN ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
const env = { ...process.env, PORT: port, HOST: host, ORIGIN: origin };

function run(cmd, args) {
	const r = spawnSync(cmd, args, { stdio: 'inherit', env });
	if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Whether any source file changed since the last build (after a pull, say): then build again. */
function buildIsStale() {
	if (!existsSync('build/index.js')) return true;
	const built = statSync('build/index.js').mtimeMs;
	const sources = ['src', 'static', 'db/migrations', 'db/demo', 'curriculum'].flatMap((dir) =>
		existsSync(dir) ? readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f))) : []
	);
	return [...sources, 'package-lock.json', 'svelte.config.js', 'vite.config.ts'].some(
		(f) => existsSync(f) && statSync(f).mtimeMs > built
	);
}

if (process.env.REBUILD === '1' || buildIsStale()) {
	console.log('Building the app…');
	run('npx', ['vite', 'build', '--logLevel', 'warn']);
}
run('npx', ['tsx', 'src/cli/main.ts', 'db:migrate']);
run('npx', ['tsx', 'src/cli/main.ts', 'demo:load']);

// The demo uses the TSA it is given and none otherwise: a made-up local authority would make demo
// certificates look independently time-stamped when they are not. The server says so at start.
if (!process.env.TSA_URL) {
	console.log(
		'\nNo TSA_URL: certificates are signed without an RFC 3161 time-stamp (their verification page says "no independent time").'
	);
	console.log(
		'To try time-stamping locally: `node scripts/test-tsa.mjs` in another terminal, then start the demo with the TSA_URL and TSA_CA_FILE it prints.'
	);
}
console.log(`\nStarting John School at ${origin}  (Ctrl-C to stop)\n`);
const server = spawn('node', ['scripts/start.mjs'], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code) => process.exit(code ?? 0));
