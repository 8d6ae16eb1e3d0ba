// The operators' command line, run as operators run it, on a SQLite file of its own (SQLite only: the
// commands are the same code on PostgreSQL, and these runs are the slowest tests we have).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'js-cli-'));
const demoDb = join(tmp, 'demo.sqlite');
const keysDir = join(tmp, 'keys');

// `npx tsx` resolves to this binary; calling it directly saves npx's start-up on every run.
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function cli(args: string[], opts: { db?: string; input?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
	return new Promise((done, fail) => {
		const child = spawn(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: opts.db ?? demoDb, KEYS_DIR: keysDir }, timeout: 120_000 });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', fail);
		child.on('close', (status) => done({ status, stdout, stderr }));
		child.stdin.end(opts.input ?? '');
	});
}

describe('cli on sqlite', () => {
	beforeAll(async () => {
		const r = await cli(['demo:load']);
		expect(r.stderr).not.toMatch(/Error/);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/Loaded the demo program into/);
	}, 180_000);
	afterAll(() => rmSync(tmp, { recursive: true, force: true }));

	describe.concurrent('refusals', () => {
		it('refuses an unknown command, saying so, with a non-zero exit', async () => {
			const r = await cli(['frobnicate']);
			expect(r.status).not.toBe(0);
			expect(r.stderr).toContain('Unknown command "frobnicate"');
		});

		it('refuses user:create with a bad role, naming it', async () => {
			const r = await cli(['user:create', '--email', 'x@y.test', '--name', 'A B', '--role', 'facilitator,wizard'], { input: 'violet kettles hum beneath orchards\n' });
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/--role must be one or more of .*not a role: wizard/);
		});

		it('refuses user:create with a weak password, saying why', async () => {
			const r = await cli(['user:create', '--email', 'weak@y.test', '--name', 'A B', '--role', 'facilitator'], { input: 'short\n' });
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/password refused: Use at least 15 characters/);
		});

		it('refuses db:backup onto an existing file', async () => {
			const r = await cli(['db:backup', demoDb]);
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/already exists/);
		});
	});

	describe.concurrent('commands', () => {
		it('prints help and exits 0', async () => {
			const r = await cli(['help']);
			expect(r.status).toBe(0);
			for (const c of ['db:migrate', 'demo:load', 'user:create', 'curriculum:import', 'keys:generate', 'db:backup', 'audit:verify']) expect(r.stdout).toContain(c);
		});

		it('creates a facilitator with the password from standard input, and says what it did', async () => {
			const r = await cli(['user:create', '--email', 'x@y.test', '--name', 'A B', '--role', 'facilitator'], { input: 'violet kettles hum beneath orchards\n' });
			expect(r.stderr).not.toMatch(/Error/);
			expect(r.status).toBe(0);
			expect(r.stdout).toMatch(/^Created facilitator account x@y\.test \(id [a-z0-9]+\)\./m);
			const db = new SQLite(demoDb, { readonly: true });
			try {
				const row = db.prepare('select password_hash from users where email = ?').get('x@y.test') as { password_hash: string };
				expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
			} finally {
				db.close();
			}
		});

		it('says the audit chain is intact after demo:load', async () => {
			const r = await cli(['audit:verify']);
			expect(r.status).toBe(0);
			expect(r.stdout).toMatch(/Audit log intact: \d+ entries/);
		});

		it('backs the database up to a new file', async () => {
			const file = join(tmp, 'backup.sqlite');
			const r = await cli(['db:backup', file]);
			expect(r.status).toBe(0);
			expect(r.stdout).toContain(`to ${file}`);
			expect(existsSync(file)).toBe(true);
			expect(readFileSync(file).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
			const copy = new SQLite(file, { readonly: true });
			try {
				expect((copy.prepare('select count(*) as n from programs').get() as { n: number }).n).toBe(1);
			} finally {
				copy.close();
			}
		});

		it('imports a curriculum once, and says so the second time', async () => {
			const db = join(tmp, 'fresh.sqlite');
			expect((await cli(['db:migrate'], { db })).status).toBe(0);
			const raw = new SQLite(db);
			raw.prepare("insert into programs (id, slug, name, provider, serial_prefix, settings_json, created_at) values ('p1', 'ramsey-opp', 'P', 'Prov', 'RC', '{}', '2026-01-01T00:00:00.000Z')").run();
			raw.close();
			const first = await cli(['curriculum:import', 'curriculum/ramsey'], { db });
			expect(first.status).toBe(0);
			expect(first.stdout).toMatch(/Imported ramsey-opp version 2026\.1: 8 modules/);
			const second = await cli(['curriculum:import', 'curriculum/ramsey'], { db });
			expect(second.status).toBe(0);
			expect(second.stdout).toMatch(/already imported/);
		});

		it('disables an account and ends its sessions at once', async () => {
			const raw = new SQLite(demoDb);
			const user = raw.prepare("select id from users where email = 'clerk@demo.johnschool.test'").get() as { id: string };
			raw.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_seen_at, two_factor_verified) values ('s-cli', 'x', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0)").run(user.id);
			raw.close();
			const r = await cli(['user:disable', '--email', 'clerk@demo.johnschool.test']);
			expect(r.status).toBe(0);
			expect(r.stdout).toMatch(/Disabled clerk@demo.johnschool.test/);
			const after = new SQLite(demoDb, { readonly: true });
			expect(after.prepare('select count(*) as n from sessions where user_id = ?').get(user.id)).toEqual({ n: 0 });
			after.close();
			const again = await cli(['user:disable', '--email', 'nobody@nowhere.test']);
			expect(again.status).not.toBe(0);
			expect(again.stderr).toMatch(/no account/);
		});
	});
}, 120_000);
