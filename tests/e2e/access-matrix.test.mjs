// Object-level access over HTTP (SECURITY #8, #9, #11): every page and endpoint found under src/routes,
// asked by every role, for their own records and for another program's; every form action posted by
// the wrong role, and fuzzed by the right one. A new route without an entry below fails this test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { BASE, accounts, db } from './helpers.mjs';

// The policy under test, stated independently of the code (src/lib/server/auth/guards.ts).
const GROUPS = {
	'(public)': 'public',
	'(auth)': 'public',
	'(participant)': ['participant'],
	'(facilitator)': ['facilitator', 'admin'],
	'(court)': ['court', 'admin'],
	'(admin)': ['admin'],
	'(account)': ['participant', 'facilitator', 'court', 'admin']
};
const ROLES = ['anon', 'participant', 'facilitator', 'court', 'admin'];

/** Every route under src/routes: its id, whether it is a page, and the methods an endpoint exports. */
function discoverRoutes(dir = 'src/routes', id = '') {
	const out = [];
	const files = readdirSync(dir);
	if (files.includes('+page.svelte')) {
		const server = join(dir, '+page.server.ts');
		const src = existsSync(server) ? readFileSync(server, 'utf8') : '';
		const actionsBlock = src.split('export const actions')[1] ?? '';
		const actions = [...actionsBlock.matchAll(/^\t(\w+): async/gm)].map((m) => m[1]);
		const svelte = readFileSync(join(dir, '+page.svelte'), 'utf8');
		const fields = [...new Set([...svelte.matchAll(/\bname="([\w[\].-]+)"/g)].map((m) => m[1]))];
		out.push({ id: id || '/', kind: 'page', actions, fields });
	}
	if (files.includes('+server.ts')) {
		const src = readFileSync(join(dir, '+server.ts'), 'utf8');
		const methods = [...src.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
		out.push({ id: id || '/', kind: 'endpoint', methods });
	}
	for (const f of files) {
		if (statIsDir(join(dir, f))) out.push(...discoverRoutes(join(dir, f), `${id}/${f}`));
	}
	return out;
}
function statIsDir(p) {
	try {
		return readdirSync(p) && true;
	} catch {
		return false;
	}
}

let ids; // own (the demo program) and foreign (another program) record ids
let foreign;
const cookies = {};

async function signIn(email, password) {
	const res = await fetch(`${BASE}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: BASE },
		body: new URLSearchParams({ email, password })
	});
	const cookie = res.headers.get('set-cookie')?.match(/((?:__Host-)?session=[^;]+)/)?.[1];
	assert.ok(res.status === 303 && cookie, `sign-in as ${email} failed (${res.status})`);
	return cookie;
}

function request(path, role, init = {}) {
	return fetch(`${BASE}${path}`, {
		redirect: 'manual',
		...init,
		headers: {
			accept: 'text/html',
			origin: BASE,
			...(init.headers ?? {}),
			...(cookies[role] ? { cookie: cookies[role] } : {})
		}
	});
}

before(async () => {
	const r = spawnSync('npx', ['tsx', 'tests/e2e/support/foreign-program.ts'], { env: process.env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	foreign = JSON.parse(r.stdout.trim().split('\n').pop());
	const d = db();
	try {
		const enrollment = (email) =>
			d.prepare('select e.id from enrollments e join users u on u.id = e.user_id where u.email = ?').get(email).id;
		const thomas = enrollment(accounts.participant.email);
		const kevin = enrollment('kevin@demo.johnschool.test');
		const moduleId = d
			.prepare(
				'select m.id from modules m join enrollments e on e.curriculum_version_id = m.curriculum_version_id where e.id = ? order by m.position'
			)
			.get(thomas).id;
		const attemptOf = (e) =>
			d
				.prepare(
					'select a.id, q.module_id from quiz_attempts a join quizzes q on q.id = a.quiz_id where a.enrollment_id = ? order by a.started_at'
				)
				.get(e);
		const certificate = d.prepare('select id, serial from certificates where enrollment_id = ?').get(kevin);
		ids = {
			thomas,
			kevin,
			moduleId,
			thomasAttempt: attemptOf(thomas),
			kevinAttempt: attemptOf(kevin),
			session: d
				.prepare(
					"select s.id from live_sessions s join programs p on p.id = s.program_id where p.slug = 'ramsey-opp' order by s.starts_at"
				)
				.get().id,
			submission: d.prepare('select id from reflection_submissions where enrollment_id = ?').get(thomas).id,
			certificate
		};
	} finally {
		d.close();
	}
	cookies.participant = await signIn(accounts.participant.email, accounts.participant.password);
	cookies.facilitator = await signIn(accounts.facilitator.email, accounts.facilitator.password);
	cookies.court = await signIn(accounts.clerk.email, accounts.clerk.password);
	cookies.admin = await signIn(accounts.admin.email, accounts.admin.password);
	cookies['foreign-participant'] = await signIn(foreign.participant, foreign.password);
	cookies['foreign-facilitator'] = await signIn(foreign.facilitator, foreign.password);
	cookies['foreign-court'] = await signIn(foreign.clerk, foreign.password);
	cookies['foreign-admin'] = await signIn(foreign.admin, foreign.password);
});

/**
 * How to fill each route's parameters: `own` is a record of the demo program (the signed-in roles'
 * own scope), `foreign` one of the other program. Routes without parameters need no entry.
 */
const PARAMS = {
	'/(facilitator)/facilitate/participants/[id]': { own: () => [ids.thomas], foreign: () => [foreign.enrollmentId] },
	'/(facilitator)/facilitate/grading/[submissionId]': {
		own: () => [ids.submission],
		foreign: () => [foreign.submissionId]
	},
	'/(participant)/learn/modules/[moduleId]': { own: () => [ids.moduleId], foreign: () => [foreign.moduleId] },
	'/(participant)/learn/modules/[moduleId]/quiz': { own: () => [ids.moduleId], foreign: () => [foreign.moduleId] },
	'/(participant)/learn/modules/[moduleId]/quiz/[attemptId]': {
		own: () => [ids.thomasAttempt.module_id, ids.thomasAttempt.id],
		foreign: () => [foreign.moduleId, foreign.attemptId],
		// Another participant of the same program: his attempt is not yours.
		sameProgramOther: () => [ids.kevinAttempt.module_id, ids.kevinAttempt.id]
	},
	'/(participant)/learn/modules/[moduleId]/draft': { own: () => [ids.moduleId], foreign: () => [foreign.moduleId] },
	'/(participant)/learn/modules/[moduleId]/heartbeat': { own: () => [ids.moduleId], foreign: () => [foreign.moduleId] },
	'/(facilitator)/facilitate/sessions/[id]': { own: () => [ids.session], foreign: () => [foreign.sessionId] },
	'/(court)/court/referrals/[id]/letter': { own: () => [ids.thomas], foreign: () => [foreign.enrollmentId] },
	'/(court)/court/referrals/[id]/packet': { own: () => [ids.thomas], foreign: () => [foreign.enrollmentId] },
	'/(facilitator)/facilitate/participants/[id]/packet': {
		own: () => [ids.thomas],
		foreign: () => [foreign.enrollmentId]
	},
	'/(court)/court/referrals/[id]': { own: () => [ids.thomas], foreign: () => [foreign.enrollmentId] },
	'/(admin)/admin/certificates/[id]': { own: () => [ids.certificate.id], foreign: () => [foreign.certificateId] },
	'/(court)/court/certificates/[id]': { own: () => [ids.certificate.id], foreign: () => [foreign.certificateId] },
	'/(account)/certificates/[id]': {
		own: () => [ids.certificate.id],
		foreign: () => [foreign.certificateId],
		participantOwns: false
	},
	'/(public)/verify/[serial]': { own: () => [ids.certificate.serial], foreign: () => [foreign.serial] },
	'/api/v1/certificates/[serial]': { own: () => [ids.certificate.serial], foreign: () => [foreign.serial] }
};

/** Deliberate exceptions to the group rule: route → role → status. */
const EXCEPTIONS = {};

function fill(routeId, values) {
	let i = 0;
	return (
		routeId
			.split('/')
			.filter((s) => !/^\(.*\)$/.test(s))
			.map((s) => (/^\[.*\]$/.test(s) ? encodeURIComponent(values[i++]) : s))
			.join('/') || '/'
	);
}

function groupOf(routeId) {
	const g = routeId.split('/')[1];
	return GROUPS[g] ?? (routeId.startsWith('/api/') || routeId === '/healthz' ? 'public' : undefined);
}

const routes = discoverRoutes();
const paramRoutes = routes.filter((r) => r.id.includes('['));

describe('access matrix', () => {
	it('knows how to fill every parameterised route', () => {
		const missing = [...new Set(paramRoutes.map((r) => r.id))].filter((id) => !PARAMS[id]);
		assert.deepEqual(missing, [], 'add these routes to PARAMS in tests/e2e/access-matrix.test.mjs');
		assert.ok(routes.length > 20, `found only ${routes.length} routes`);
	});

	it('answers every GET by role: login for the anonymous, 403 for the wrong role, 404 for another program’s record, never 500', async () => {
		const problems = [];
		let probes = 0;
		for (const route of routes) {
			if (route.kind === 'endpoint' && !route.methods.includes('GET')) continue;
			if (route.id === '/(auth)/logout') continue;
			const group = groupOf(route.id);
			assert.ok(group, `route ${route.id} is in no known group`);
			const p = PARAMS[route.id];
			const own = fill(route.id, p ? p.own() : []);
			const other = p ? fill(route.id, p.foreign()) : null;
			for (const role of ROLES) {
				const allowed = group === 'public' || (role !== 'anon' && group.includes(role));
				const res = await request(own, role);
				probes++;
				const location = res.headers.get('location') ?? '';
				let expected;
				if (EXCEPTIONS[route.id]?.[role]) expected = (s) => s === EXCEPTIONS[route.id][role];
				else if (group === 'public') expected = (s) => s < 500;
				else if (role === 'anon') expected = (s) => s === 303 && location.startsWith('/login');
				else if (!allowed) expected = (s) => s === 403;
				else if (p?.participantOwns === false && role === 'participant') expected = (s) => s === 404;
				else expected = (s) => s === 200 || (s >= 300 && s < 400 && !location.startsWith('/login'));
				if (!expected(res.status)) problems.push(`${role} GET ${own} → ${res.status} ${location}`);
				await res.arrayBuffer();

				if (other && allowed && role !== 'anon' && group !== 'public') {
					const r2 = await request(other, role);
					probes++;
					if (r2.status !== 404) problems.push(`${role} GET another program's ${other} → ${r2.status} (expected 404)`);
					await r2.arrayBuffer();
				}
				if (p?.sameProgramOther && role === 'participant') {
					const path = fill(route.id, p.sameProgramOther());
					const r3 = await request(path, role);
					probes++;
					if (r3.status !== 404)
						problems.push(`participant GET another participant's ${path} → ${r3.status} (expected 404)`);
					await r3.arrayBuffer();
				}
			}
		}
		assert.deepEqual(problems, [], `${problems.length} of ${probes} probes answered wrongly`);
	});

	it('refuses every form action to the anonymous and to the wrong role, and another program’s record to the right role', async () => {
		const problems = [];
		let probes = 0;
		for (const route of routes.filter((r) => r.kind === 'page' && r.actions.length)) {
			const group = groupOf(route.id);
			if (group === 'public') continue;
			const p = PARAMS[route.id];
			for (const action of route.actions) {
				const suffix = action === 'default' ? '' : `?/${action}`;
				for (const role of ROLES) {
					const allowed = role !== 'anon' && group.includes(role);
					const path = fill(route.id, p ? (allowed ? p.foreign() : p.own()) : []);
					if (allowed && !p) continue; // no record in the URL: scope is the user's own, checked by the services' tests
					const res = await request(`${path}${suffix}`, role, {
						method: 'POST',
						headers: { 'content-type': 'application/x-www-form-urlencoded' },
						body: 'reason=access+matrix+probe&outcome=satisfactory&fee=paid'
					});
					probes++;
					const ok =
						role === 'anon' ? res.status === 401 : !allowed ? res.status === 403 : [400, 404, 409].includes(res.status);
					if (!ok) problems.push(`${role} POST ${path}${suffix} → ${res.status}`);
					await res.arrayBuffer();
				}
			}
		}
		assert.deepEqual(problems, [], `${problems.length} of ${probes} action probes answered wrongly`);
	});

	it('answers fuzzed form posts with 4xx or a normal page, never 500, and lets no extra field through', async () => {
		const junk = [
			'',
			' ',
			'x'.repeat(20_000),
			'\u0000\u202e<script>alert(1)</script>',
			'-1',
			'1e309',
			'NaN',
			'../../etc/passwd',
			'2026-02-30',
			'🙂'.repeat(300),
			"' or 1=1 --"
		];
		let seed = 7;
		const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
		const asRole = {
			'(participant)': 'foreign-participant',
			'(facilitator)': 'foreign-facilitator',
			'(court)': 'foreign-court',
			'(admin)': 'foreign-admin',
			'(account)': 'foreign-facilitator'
		};
		const problems = [];
		let probes = 0;
		for (const route of routes.filter((r) => r.kind === 'page' && r.actions.length)) {
			const g = route.id.split('/')[1];
			const role = asRole[g];
			if (!role) continue; // sign-in, activation and verification have their own limiter tests
			const p = PARAMS[route.id];
			const path = fill(route.id, p ? p.foreign() : []);
			for (const action of route.actions) {
				const suffix = action === 'default' ? '' : `?/${action}`;
				for (let i = 0; i < 6; i++) {
					const body = new URLSearchParams();
					for (const f of route.fields) {
						const n = rand(3);
						for (let k = 0; k < n; k++) body.append(f, junk[rand(junk.length)]);
					}
					// Mass assignment: fields no form has.
					body.append('status', 'completed');
					body.append('score', '100');
					body.append('user_id', 'someone-else');
					const res = await request(`${path}${suffix}`, role, {
						method: 'POST',
						headers: { 'content-type': 'application/x-www-form-urlencoded' },
						body
					});
					probes++;
					if (res.status >= 500)
						problems.push(`${role} POST ${path}${suffix} (${[...body.keys()].join(',')}) → ${res.status}`);
					await res.arrayBuffer();
				}
			}
		}
		assert.ok(probes > 30, `only ${probes} fuzz probes`);
		assert.deepEqual(problems, [], `${problems.length} of ${probes} fuzzed posts failed on the server`);
		// Nothing a form never offers was set: the other program's part-way participant is not completed.
		const d = db();
		try {
			const e = d.prepare('select status from enrollments where id = ?').get(foreign.enrollmentId);
			assert.equal(e.status, 'active');
		} finally {
			d.close();
		}
	});
});
