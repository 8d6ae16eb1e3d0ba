// The operators' command line, run as operators run it, on a SQLite file of its own (SQLite only: the
// commands are the same code on PostgreSQL, and these runs are the slowest tests we have).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../../src/lib/server/db';
import { newId } from '../../src/lib/server/ids';
import { logVerification } from '../../src/lib/server/verification/verification-log';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'js-cli-'));
const demoDb = join(tmp, 'demo.sqlite');
const keysDir = join(tmp, 'keys');

// `npx tsx` resolves to this binary; calling it directly saves npx's start-up on every run.
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function cli(
	args: string[],
	opts: { db?: string; input?: string; env?: Record<string, string> } = {}
): Promise<{ status: number | null; stdout: string; stderr: string }> {
	return new Promise((done, fail) => {
		const env = { ...process.env, DATABASE_URL: opts.db ?? demoDb, KEYS_DIR: keysDir, BACKUP_DIR: '', ...opts.env };
		const child = spawn(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, env, timeout: 120_000 });
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
			const r = await cli(['user:create', '--email', 'x@y.test', '--name', 'A B', '--role', 'facilitator,wizard'], {
				input: 'violet kettles hum beneath orchards\n'
			});
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/--role must be one or more of .*not a role: wizard/);
		});

		it('refuses user:create with a weak password, saying why', async () => {
			const r = await cli(['user:create', '--email', 'weak@y.test', '--name', 'A B', '--role', 'facilitator'], {
				input: 'short\n'
			});
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/password refused: Use at least 15 characters/);
		});

		it('refuses db:backup onto an existing file', async () => {
			const r = await cli(['db:backup', demoDb]);
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/already exists/);
		});

		it('refuses db:restore without --yes, saying the server must be stopped first', async () => {
			const r = await cli(['db:restore', '--from', join(tmp, 'whatever.sqlite')]);
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(
				/db:restore replaces .*demo\.sqlite with .*whatever\.sqlite\. Stop the server first, then run again with --yes/
			);
		});

		it('refuses db:restore while the server has the database open', async () => {
			const file = join(tmp, 'backup-for-busy.sqlite');
			expect((await cli(['db:backup', file])).status).toBe(0);
			const server = openDatabase(demoDb); // as the server holds it: WAL, one long-lived connection
			try {
				await server.db.selectFrom('programs').select('id').execute();
				const r = await cli(['db:restore', '--from', file, '--yes']);
				expect(r.status).not.toBe(0);
				expect(r.stderr).toMatch(/demo\.sqlite is in use \(SQLITE_BUSY\): stop the server/);
			} finally {
				await server.close();
			}
			expect(readdirSync(tmp).filter((n) => /^demo\.sqlite\.(before-)?restore-/.test(n))).toEqual([]);
		});

		it('refuses db:restore of a damaged backup, saying why', async () => {
			const file = join(tmp, 'damaged.sqlite');
			writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(5000, 7)]));
			const r = await cli(['db:restore', '--from', file, '--yes']);
			expect(r.status).not.toBe(0);
			expect(r.stderr).toMatch(/damaged\.sqlite was not restored: it cannot be (opened|read) \(/);
			expect(readdirSync(tmp).filter((n) => /^demo\.sqlite\.(before-)?restore-/.test(n))).toEqual([]);
		});
	});

	describe.concurrent('commands', () => {
		it('lists what retention would remove, changing nothing, and refuses a look-ahead that is not a dry run', async () => {
			const now = await cli(['data:purge', '--dry-run']);
			expect(now.status).toBe(0);
			expect(now.stdout).toMatch(/^0 enrollment\(s\) due for removal now; nothing was changed/m);
			// Kevin completed today; the demo program keeps records 7 years.
			const ahead = await cli(['data:purge', '--dry-run', '--within', '3650']);
			expect(ahead.status).toBe(0);
			expect(ahead.stdout).toMatch(/enrollment [a-z0-9]+: case ended \d{4}-\d{2}-\d{2}, retention 2555 days/);
			expect(ahead.stdout).not.toMatch(/Kevin|Thomas|62-CR/);
			const bad = await cli(['data:purge', '--within', '5']);
			expect(bad.status).toBe(2);
			expect(bad.stderr).toContain('--within only previews');
			const db = new SQLite(demoDb, { readonly: true });
			expect(
				(db.prepare('select count(*) n from enrollments where purged_at is not null').get() as { n: number }).n
			).toBe(0);
			db.close();
		});

		it('sets a staff password from standard input, refusing a weak one', async () => {
			const weak = await cli(['user:reset-password', '--email', 'admin@demo.johnschool.test'], { input: 'short\n' });
			expect(weak.status).toBe(2);
			expect(weak.stderr).toMatch(/password refused/);
			const ok = await cli(['user:reset-password', '--email', 'admin@demo.johnschool.test'], {
				input: 'lanterns glow over the quiet harbor\n'
			});
			expect(ok.stderr).not.toMatch(/Error/);
			expect(ok.status).toBe(0);
			expect(ok.stdout).toContain('New password set for admin@demo.johnschool.test');
		});

		it('prints help and exits 0', async () => {
			const r = await cli(['help']);
			expect(r.status).toBe(0);
			for (const c of [
				'db:migrate',
				'demo:load',
				'user:create',
				'curriculum:import',
				'keys:generate',
				'db:backup',
				'db:restore',
				'audit:verify',
				'data:purge',
				'user:reset-password'
			])
				expect(r.stdout).toContain(c);
		});

		it('creates a facilitator with the password from standard input, and says what it did', async () => {
			const r = await cli(['user:create', '--email', 'x@y.test', '--name', 'A B', '--role', 'facilitator'], {
				input: 'violet kettles hum beneath orchards\n'
			});
			expect(r.stderr).not.toMatch(/Error/);
			expect(r.status).toBe(0);
			expect(r.stdout).toMatch(/^Created facilitator account x@y\.test \(id [a-z0-9]+\)\./m);
			const db = new SQLite(demoDb, { readonly: true });
			try {
				const row = db.prepare('select password_hash from users where email = ?').get('x@y.test') as {
					password_hash: string;
				};
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

		it('names the first broken row of the verification log, and the intact audit log beside it', async () => {
			const file = join(tmp, 'tampered.sqlite');
			expect((await cli(['db:backup', file])).status).toBe(0);
			const h = openDatabase(file);
			await Promise.all(
				['AA-2026-000001', 'AA-2026-000002', 'AA-2026-000003'].map((serial) =>
					logVerification(h.db, {
						id: newId(),
						at: new Date().toISOString(),
						method: 'typed',
						serial,
						certificate_id: null,
						outcome: 'unknown',
						user_id: null
					})
				)
			);
			await h.close();
			const intact = await cli(['audit:verify'], { db: file });
			expect(intact.status).toBe(0);
			expect(intact.stdout).toMatch(/Verification log intact: \d+ rows/);

			const raw = new SQLite(file);
			const { seq } = raw.prepare("select seq from verification_log where serial = 'AA-2026-000002'").get() as {
				seq: number;
			};
			raw.exec('drop trigger verification_log_no_update');
			raw.prepare("update verification_log set outcome = 'valid' where seq = ?").run(seq);
			raw.close();
			const r = await cli(['audit:verify'], { db: file });
			expect(r.status).toBe(1);
			expect(r.stdout).toMatch(/Audit log intact/);
			expect(r.stdout).toContain(`Verification log BROKEN`);
			expect(r.stdout).toContain(`first broken row: ${seq}`);
			expect(r.stdout).toMatch(new RegExp(`row ${seq}: content does not match its hash \\(altered\\)`));
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

		it('writes a dated backup into BACKUP_DIR when db:backup is given no file', async () => {
			const dir = join(tmp, 'backups');
			const r = await cli(['db:backup'], { env: { BACKUP_DIR: dir } });
			expect(r.stderr).toBe('');
			expect(r.status).toBe(0);
			expect(readdirSync(dir)).toEqual([expect.stringMatching(/^john-school-\d{8}T\d{6}Z\.sqlite$/)]);
			expect(r.stdout).toMatch(/integrity_check ok/);
		});

		it('restores a backup over a database, keeps the old one aside, and audit:verify passes on it', async () => {
			const file = join(tmp, 'backup-for-restore.sqlite');
			const target = join(tmp, 'restore-target.sqlite');
			expect((await cli(['db:backup', file])).status).toBe(0);
			const copy = new SQLite(file, { readonly: true });
			const { n, at } = copy.prepare('select count(*) as n, max(at) as at from audit_log').get() as {
				n: number;
				at: string;
			};
			copy.close();
			expect((await cli(['db:migrate'], { db: target })).status).toBe(0);

			const r = await cli(['db:restore', '--from', file, '--yes'], { db: target });
			expect(r.stderr).toBe('');
			expect(r.status).toBe(0);
			expect(r.stdout).toContain(`audit chain intact (${n} entries)`);
			expect(r.stdout).toMatch(
				/Kept the database that was in place as .*restore-target\.sqlite\.before-restore-\d{8}T\d{6}Z \(not deleted\)/
			);
			expect(r.stdout).toContain(`The backup's newest audit entry is from ${at}`);
			expect(readdirSync(tmp).filter((n) => n.startsWith('restore-target.sqlite.before-restore-'))).toHaveLength(1);

			const verify = await cli(['audit:verify'], { db: target });
			expect(verify.status).toBe(0);
			expect(verify.stdout).toContain(`Audit log intact: ${n} entries`);
		});

		it('imports a curriculum once, and says so the second time', async () => {
			const db = join(tmp, 'fresh.sqlite');
			expect((await cli(['db:migrate'], { db })).status).toBe(0);
			const raw = new SQLite(db);
			raw
				.prepare(
					"insert into programs (id, slug, name, provider, serial_prefix, settings_json, created_at) values ('p1', 'ramsey-opp', 'P', 'Prov', 'RC', '{}', '2026-01-01T00:00:00.000Z')"
				)
				.run();
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
			const user = raw.prepare("select id from users where email = 'clerk@demo.johnschool.test'").get() as {
				id: string;
			};
			raw
				.prepare(
					"insert into sessions (id, secret_hash, user_id, created_at, last_seen_at, two_factor_verified) values ('s-cli', 'x', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0)"
				)
				.run(user.id);
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
