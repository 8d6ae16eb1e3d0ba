// Restoring a backup over the live SQLite file, on real files: what is refused comes first, and
// every refusal leaves the live database as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	copyFileSync,
	existsSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	rmSync,
	truncateSync,
	writeSync,
	closeSync,
	statSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { auditAlone, verifyAuditChain } from '../../src/lib/server/audit/audit';
import { openDatabase, type DbHandle } from '../../src/lib/server/db';
import { backupTo } from '../../src/lib/server/db/backup';
import { migrateToLatest } from '../../src/lib/server/db/migrate';
import { restoreSqlite } from '../../src/lib/server/db/restore';
import { logVerification } from '../../src/lib/server/verification/verification-log';

let tmp: string;
let live: string;
let backup: string;
const NOW = new Date('2026-03-02T09:30:00Z');

async function withLive<T>(fn: (h: DbHandle) => Promise<T>): Promise<T> {
	const h = openDatabase(live);
	try {
		await migrateToLatest(h.db);
		return await fn(h);
	} finally {
		await h.close();
	}
}

async function write(h: DbHandle, n: number, tag: string) {
	for (let i = 0; i < n; i++) await auditAlone(h.db, { actorId: null, action: `test.${tag}`, targetId: `${tag}-${i}` });
}

function entries(file: string): number {
	const raw = new SQLite(file, { readonly: true, fileMustExist: true });
	try {
		return (raw.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
	} finally {
		raw.close();
	}
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const others = () =>
	readdirSync(tmp)
		.filter((n) => n !== 'live.sqlite' && n !== 'backup.sqlite')
		.sort();

beforeEach(async () => {
	tmp = mkdtempSync(join(tmpdir(), 'js-restore-'));
	live = join(tmp, 'live.sqlite');
	backup = join(tmp, 'backup.sqlite');
	await withLive(async (h) => {
		await write(h, 20, 'before');
		await backupTo(h.sqlite!, backup);
		await write(h, 7, 'after');
	});
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('what restore refuses', () => {
	it('refuses while the server has the database open, and touches nothing', async () => {
		const server = openDatabase(live); // the server's own settings: WAL, one long-lived connection
		try {
			await migrateToLatest(server.db);
			const r = await restoreSqlite({ target: live, from: backup, now: NOW });
			expect(r).toMatchObject({ ok: false, reason: 'server_running' });
			expect(!r.ok && r.detail).toMatch(/is in use \(SQLITE_BUSY\): stop the server/);
			expect(await verifyAuditChain(server.db)).toMatchObject({ ok: true, entries: 27 });
		} finally {
			await server.close();
		}
		expect(others()).toEqual([]);
		expect(entries(live)).toBe(27);
	});

	it('refuses a corrupt backup, saying why, and leaves the live database byte for byte as it was', async () => {
		const size = statSync(backup).size;
		const fd = openSync(backup, 'r+');
		writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096); // pages in the middle
		closeSync(fd);
		const before = sha(live);
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'backup_bad' });
		expect(!r.ok && r.detail).toMatch(
			/was not restored: (PRAGMA integrity_check failed|it cannot be read \(database disk image is malformed\))/
		);
		expect(sha(live)).toBe(before);
		expect(others()).toEqual([]);
	});

	it('refuses a truncated backup, and leaves the live database as it was', async () => {
		truncateSync(backup, Math.floor(statSync(backup).size / 2));
		const before = sha(live);
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'backup_bad' });
		expect(!r.ok && r.detail).toMatch(/was not restored: .*(integrity_check|malformed)/);
		expect(sha(live)).toBe(before);
		expect(others()).toEqual([]);
	});

	it('refuses a file that is not a database at all', async () => {
		const junk = join(tmp, 'notes.txt');
		copyFileSync(join(import.meta.dirname, '../../README.md'), junk);
		const r = await restoreSqlite({ target: live, from: junk, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'backup_bad' });
		expect(!r.ok && r.detail).toMatch(/not a database/);
		expect(entries(live)).toBe(27);
	});

	it('refuses an SQLite file that is not a John School database', async () => {
		const other = join(tmp, 'other.sqlite');
		const raw = new SQLite(other);
		raw.exec('create table t (x)');
		raw.close();
		const r = await restoreSqlite({ target: live, from: other, now: NOW });
		expect(!r.ok && r.detail).toMatch(/no migrations table \(kysely_migration\): not a John School database/);
	});

	it('refuses a backup whose audit log was altered', async () => {
		const raw = new SQLite(backup);
		raw.exec('drop trigger audit_log_no_update');
		raw.prepare("update audit_log set action = 'test.rewritten' where seq = 4").run();
		raw.close();
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'backup_bad' });
		expect(!r.ok && r.detail).toMatch(/audit chain does not verify \(entry 4: content does not match its hash/);
		expect(entries(live)).toBe(27);
	});

	it('refuses a backup whose verification log was altered', async () => {
		const h = openDatabase(backup);
		await migrateToLatest(h.db);
		for (const outcome of ['valid', 'unknown', 'valid']) {
			await logVerification(h.db, {
				id: `v-${outcome}-${Math.random()}`,
				at: new Date().toISOString(),
				method: 'api',
				serial: 'RC-2026-000001',
				certificate_id: null,
				outcome,
				user_id: null
			});
		}
		await h.close();
		// As it stands the backup restores (both chains verify); a row rewritten afterwards does not.
		const raw = new SQLite(backup);
		raw.exec('drop trigger verification_log_no_update');
		raw.prepare("update verification_log set outcome = 'revoked' where seq = 2").run();
		raw.close();
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'backup_bad' });
		expect(!r.ok && r.detail).toMatch(/verification log's chain does not verify \(row 2: /);
		expect(entries(live)).toBe(27);
	});

	it('refuses a live file it cannot open (so cannot lock) unless forced', async () => {
		rmSync(live);
		copyFileSync(join(import.meta.dirname, '../../README.md'), live);
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: false, reason: 'current_unreadable' });
		const forced = await restoreSqlite({ target: live, from: backup, now: NOW, force: true });
		expect(forced).toMatchObject({ ok: true, keptAside: `${live}.before-restore-20260302T093000Z` });
		expect(forced.ok && forced.notes[0]).toMatch(/cannot be opened to lock it.*kept aside as it was/);
		expect(readFileSync(`${live}.before-restore-20260302T093000Z`, 'utf8')).toMatch(/^# John School/);
	});
});

describe('a restore', () => {
	it('puts the backup in place, keeps the old database aside, and reports the newest audit entry', async () => {
		const newestInBackup = (
			new SQLite(backup, { readonly: true }).prepare('select max(at) as at from audit_log').get() as { at: string }
		).at;
		const mode = statSync(live).mode & 0o777;
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(statSync(live).mode & 0o777).toBe(mode); // not the backup's 0600: the server's user must open it
		expect(r).toMatchObject({
			ok: true,
			keptAside: `${live}.before-restore-20260302T093000Z`,
			auditEntries: 20,
			newestAuditAt: newestInBackup,
			pending: []
		});
		expect(others()).toEqual(['live.sqlite.before-restore-20260302T093000Z']);
		expect(entries(`${live}.before-restore-20260302T093000Z`)).toBe(27);
		// The server opens it with its own settings; the data equals the backup's; the chain verifies.
		await withLive(async (h) => {
			const rows = await h.db.selectFrom('audit_log').select(['seq', 'action', 'hash']).orderBy('seq').execute();
			expect(rows).toHaveLength(20);
			expect(rows.every((x) => x.action === 'test.before')).toBe(true);
			expect(await verifyAuditChain(h.db)).toEqual({ ok: true, entries: 20, problems: [] });
			await write(h, 1, 'after-restore');
		});
		const again = await restoreSqlite({ target: live, from: backup, now: new Date(NOW.getTime() + 1000) });
		expect(again).toMatchObject({ ok: true });
		expect(readdirSync(tmp).filter((n) => n.includes('before-restore'))).toHaveLength(2);
	});

	it('after a crash, keeps aside one whole file holding what was only in the WAL', async () => {
		// A "server" that commits and is killed (-9): its last commits are in live.sqlite-wal only.
		const driver = createRequire(import.meta.url).resolve('better-sqlite3');
		const code = `const D = require(${JSON.stringify(driver)}); const db = new D(${JSON.stringify(live)}); db.pragma('journal_mode = wal'); db.exec("create table crash_probe (x); insert into crash_probe values ('committed')"); process.kill(process.pid, 'SIGKILL');`;
		spawnSync(process.execPath, ['-e', code]);
		expect(existsSync(`${live}-wal`)).toBe(true);
		const r = await restoreSqlite({ target: live, from: backup, now: NOW });
		expect(r).toMatchObject({ ok: true });
		expect(others()).toEqual(['live.sqlite.before-restore-20260302T093000Z']);
		const aside = new SQLite(`${live}.before-restore-20260302T093000Z`, { readonly: true });
		try {
			expect(aside.prepare('select x from crash_probe').all()).toEqual([{ x: 'committed' }]);
		} finally {
			aside.close();
		}
		expect(entries(live)).toBe(20);
	});
});
