// Phase 5 of `npm run bench`: John School's pages and hot writes side by side with the minimal
// SvelteKit app in bench/minimal (the same SvelteKit, Svelte, Vite, adapter-node, Kysely and
// better-sqlite3, resolved from this project's node_modules), in the same run, under the same load,
// printing each figure as a ratio of the minimal app's. Each floor is measured before and after the
// pages compared with it, and the ratio uses their mean, so a machine that slows down during the
// phase shows as two different floors rather than as a wrong ratio.
//
// The targets are issue #11's (a benchmark, never a test): read pages ≥ 0.6× the minimal page with
// p99 < 50 ms; the heartbeat ≥ 0.4× the bare endpoint; the draft save ≥ 0.6× a form action that
// inserts a row. The server must run with WRITE_THROTTLE=off, or most writes would be 429s.
// BENCH_PAGES_FILTER=heartbeat,draft measures only the pages whose label contains one of the words
// (and their floors): a few minutes less when only the hot writes changed.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.mjs';

const MINIMAL = resolve('bench/minimal');
// The demo's accounts (db/demo/demo-data.ts): Thomas is part-way through the course.
const PARTICIPANT = { email: 'thomas@demo.johnschool.test', password: 'river stone maple thirty' };
const FACILITATOR = { email: 'facilitator@demo.johnschool.test', password: 'copper meadow whistle ninety' };

async function signIn(base, { email, password }) {
	const r = await fetch(`${base}/login`, {
		method: 'POST',
		redirect: 'manual',
		body: new URLSearchParams({ email, password }),
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
	});
	const cookie = r.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	if (r.status !== 303 || !cookie) throw new Error(`bench: sign-in as ${email} answered ${r.status}`);
	return cookie;
}

async function startMinimal(work) {
	if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(join(MINIMAL, 'build/index.js'))) {
		const b = spawnSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build'], {
			cwd: MINIMAL,
			stdio: ['ignore', 'ignore', 'inherit']
		});
		if (b.status !== 0) throw new Error('bench: the minimal app did not build');
	}
	const dbPath = join(work, 'minimal.sqlite');
	const seed = new Database(dbPath);
	seed.exec('create table if not exists items (id integer primary key, name text not null, created_at text not null)');
	const insert = seed.prepare('insert into items (name, created_at) values (?, ?)');
	for (let i = 1; i <= 10; i++) insert.run(`item ${i}`, new Date().toISOString());
	seed.close();
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, ['build/index.js'], {
		cwd: MINIMAL,
		env: { ...process.env, MINIMAL_DB: dbPath, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base },
		stdio: ['ignore', 'ignore', 'inherit']
	});
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`${base}/page`)).ok) return { base, child };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	child.kill();
	throw new Error('bench: the minimal app did not start');
}

/**
 * @param {{ base: string, databasePath: string, work: string, seconds: number, connections?: number }} o
 *   base: the John School server (demo data loaded, WRITE_THROTTLE=off); databasePath: its SQLite file
 */
export async function pageBench({ base, databasePath, work, seconds, connections = 50 }) {
	const minimal = await startMinimal(work);
	try {
		const participant = await signIn(base, PARTICIPANT);
		const facilitator = await signIn(base, FACILITATOR);
		const db = new Database(databasePath, { readonly: true });
		// The module Thomas is in the middle of, and one of its reflection prompts.
		const mod = db
			.prepare(
				`select m.id from module_progress p join modules m on m.id = p.module_id join enrollments e on e.id = p.enrollment_id
				 join users u on u.id = e.user_id where u.email = ? and p.completed_at is null order by m.position limit 1`
			)
			.get(PARTICIPANT.email);
		const prompt =
			mod && db.prepare('select id from reflection_prompts where module_id = ? order by position limit 1').get(mod.id);
		db.close();
		if (!mod || !prompt)
			throw new Error('bench: the demo participant has no module in progress with a reflection prompt');

		const run = async (label, url, opts = {}) => {
			const r = await autocannon({ url, connections, duration: seconds, ...opts });
			const bad = r.non2xx + r.errors + r.timeouts;
			return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad };
		};
		const m = minimal.base;
		const json = (cookie, body) => ({
			method: 'POST',
			headers: { origin: base, cookie, 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify(body)
		});
		const groups = [
			{
				floor: ['minimal page (load: one Kysely SELECT)', `${m}/page`, {}],
				target: { ratio: 0.6, p99: 50 },
				pages: [
					['/learn (participant dashboard)', `${base}/learn`, { headers: { cookie: participant } }],
					[
						'/learn/modules/<id> (module page)',
						`${base}/learn/modules/${mod.id}`,
						{ headers: { cookie: participant } }
					],
					['/facilitate (facilitator dashboard)', `${base}/facilitate`, { headers: { cookie: facilitator } }],
					['/facilitate/grading', `${base}/facilitate/grading`, { headers: { cookie: facilitator } }],
					['/facilitate/participants', `${base}/facilitate/participants`, { headers: { cookie: facilitator } }]
				]
			},
			{
				floor: ['bare endpoint (POST, JSON, no database)', `${m}/endpoint`, { method: 'POST', headers: { origin: m } }],
				target: { ratio: 0.4 },
				pages: [['POST heartbeat', `${base}/learn/modules/${mod.id}/heartbeat`, json(participant, {})]]
			},
			{
				floor: [
					'minimal form action (inserts a row)',
					`${m}/form`,
					{
						method: 'POST',
						headers: {
							origin: m,
							'content-type': 'application/x-www-form-urlencoded',
							'x-sveltekit-action': 'true',
							accept: 'application/json'
						},
						body: 'name=bench'
					}
				],
				target: { ratio: 0.6 },
				pages: [
					[
						'POST draft autosave',
						`${base}/learn/modules/${mod.id}/draft`,
						json(participant, {
							promptId: prompt.id,
							body: 'A draft that is saved again and again while the bench runs.'
						})
					]
				]
			}
		];
		const fmt = (r) =>
			`${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.bad ? `, ${r.bad} non-2xx/errors` : ''}`;
		const words = (process.env.BENCH_PAGES_FILTER ?? '')
			.split(',')
			.map((w) => w.trim().toLowerCase())
			.filter(Boolean);
		for (const g of groups) {
			if (words.length) g.pages = g.pages.filter(([label]) => words.some((w) => label.toLowerCase().includes(w)));
			if (!g.pages.length) continue;
			const before = await run(...g.floor);
			const results = [];
			for (const p of g.pages) results.push(await run(...p));
			const after = await run(...g.floor);
			const floor = (before.rps + after.rps) / 2;
			console.log(`   ${g.floor[0]}: ${fmt(before)} before, ${fmt(after)} after`);
			for (const r of results) {
				const ratio = r.rps / floor;
				const met = ratio >= g.target.ratio && (g.target.p99 === undefined || r.p99 < g.target.p99);
				const goal = `target ≥ ${g.target.ratio}×${g.target.p99 ? `, p99 < ${g.target.p99} ms` : ''}`;
				console.log(`     ${r.label}: ${fmt(r)} → ${ratio.toFixed(2)}× (${goal}: ${met ? 'met' : 'not met'})`);
			}
		}
	} finally {
		minimal.child.kill();
	}
}
