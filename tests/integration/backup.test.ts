// Scheduled backups on real files: SQLite's online backup API while writes go on, the check of each
// copy, retention, one backup at a time, stopping. The clock and the timer are injected.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { auditAlone, verifyAuditChain } from '../../src/lib/server/audit/audit';
import { openDatabase, type DbHandle } from '../../src/lib/server/db';
import { backupFileName, listBackups, writeBackup } from '../../src/lib/server/db/backup';
import { scheduleBackups, startScheduledBackups, type ScheduleSeams } from '../../src/lib/server/db/backup-schedule';
import { migrateToLatest } from '../../src/lib/server/db/migrate';
import type { Database } from '../../src/lib/server/db/schema';

let tmp: string;
let backups: string;
let h: DbHandle;

beforeEach(async () => {
	tmp = mkdtempSync(join(tmpdir(), 'js-backup-'));
	backups = join(tmp, 'backups');
	h = openDatabase(join(tmp, 'live.sqlite'));
	await migrateToLatest(h.db);
});
afterEach(async () => {
	await h.close();
	rmSync(tmp, { recursive: true, force: true });
});

async function write(n: number, from = 0) {
	// Padded so the database spans many pages and a backup takes many steps.
	for (let i = 0; i < n; i++)
		await auditAlone(h.db, {
			actorId: null,
			action: 'test.event',
			targetId: `t${from + i}`,
			details: { pad: 'x'.repeat(400) }
		});
}

const nextTurn = () => new Promise((r) => setImmediate(r));

/** A timer that fires only when the test says so, and a clock that moves 15 minutes per backup. */
function fakeSeams(start = new Date('2026-03-01T08:00:00Z')) {
	let t = start.getTime();
	const lines: string[] = [];
	const timer = { ms: 0, tick: null as null | (() => Promise<unknown>), stopped: false };
	const seams: ScheduleSeams = {
		now: () => new Date(t),
		every(ms, tick) {
			timer.ms = ms;
			timer.tick = tick;
			return { stop: () => (timer.stopped = true) };
		},
		log: (l) => lines.push(l),
		warn: (l) => lines.push(l)
	};
	return {
		seams,
		lines,
		timer,
		advance: () => (t += 15 * 60_000),
		at: () => new Date(t)
	};
}

function openCopy(file: string) {
	const raw = new SQLite(file, { readonly: true, fileMustExist: true });
	return { raw, db: new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) }) };
}

describe('one backup', () => {
	it('copies, while writes go on, every row committed before it began, into a copy whose integrity_check is ok', async () => {
		await write(300);
		const before = await h.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').executeTakeFirstOrThrow();
		let done = false;
		const backup = writeBackup(h.sqlite!, tmp, new Date('2026-03-01T08:00:00Z'), { pagesPerStep: 2 }).finally(
			() => (done = true)
		);
		let during = 0;
		while (!done) {
			await auditAlone(h.db, { actorId: null, action: 'test.during_backup', details: { i: during++ } });
			await nextTurn(); // lets the backup take its next step
		}
		const written = await backup;
		expect(during).toBeGreaterThan(1);
		expect(written.file).toBe(join(tmp, 'john-school-20260301T080000Z.sqlite'));

		const copy = openCopy(written.file);
		try {
			expect(copy.raw.pragma('integrity_check', { simple: true })).toBe('ok');
			const n = copy.raw.prepare('select count(*) as n from audit_log where seq <= ?').get(Number(before.seq)) as {
				n: number;
			};
			expect(n.n).toBe(Number(before.seq));
			expect(await verifyAuditChain(copy.db)).toMatchObject({ ok: true });
			// One file by itself: a rollback-journal database, readable only by its owner.
			expect(copy.raw.pragma('journal_mode', { simple: true })).toBe('delete');
		} finally {
			await copy.db.destroy();
		}
		expect(statSync(written.file).mode & 0o777).toBe(0o600);
		expect(readdirSync(tmp).filter((f) => f.startsWith('john-school-'))).toEqual([
			'john-school-20260301T080000Z.sqlite'
		]);
	});

	it('never copies a transaction still open on the connection, and waits for it to end', async () => {
		await write(20);
		h.sqlite!.exec('BEGIN IMMEDIATE');
		h.sqlite!.prepare("insert into audit_head (id, seq, hash) values (2, 0, 'uncommitted')").run();
		let done = false;
		const backup = writeBackup(h.sqlite!, tmp, new Date('2026-03-01T08:00:00Z')).finally(() => (done = true));
		for (let i = 0; i < 5; i++) await nextTurn();
		expect(done).toBe(false);
		h.sqlite!.exec('ROLLBACK');
		const copy = openCopy((await backup).file);
		try {
			expect(copy.raw.prepare('select id from audit_head').all()).toEqual([{ id: 1 }]);
			expect(copy.raw.prepare('select count(*) as n from audit_log').get()).toEqual({ n: 20 });
		} finally {
			await copy.db.destroy();
		}
	});

	it('deletes a copy that fails its integrity check, and never gives it the final name', async () => {
		await write(5);
		const { seams, lines } = fakeSeams();
		const schedule = scheduleBackups(
			h.sqlite!,
			{ dir: tmp, intervalMs: 60_000, keep: 5 },
			{ ...seams, check: async () => ['*** in database main ***', 'row 3 missing from index'] }
		);
		const r = await schedule.run();
		await schedule.stop();
		expect(r).toMatchObject({ ok: false, reason: 'failed' });
		expect(lines.at(-1)).toMatch(
			/^\[backup\] FAILED: the copy failed PRAGMA integrity_check .*row 3 missing from index.*deleted/
		);
		expect(readdirSync(tmp).filter((f) => f.startsWith('john-school-'))).toEqual([]);
	});
});

describe('the schedule', () => {
	it('keeps exactly the newest BACKUP_KEEP backups, logging one line per backup without data', async () => {
		await write(10);
		const f = fakeSeams();
		const schedule = scheduleBackups(h.sqlite!, { dir: backups, intervalMs: 15 * 60_000, keep: 3 }, f.seams);
		expect(f.timer.ms).toBe(15 * 60_000);
		const names: string[] = [];
		mkdirSync(backups); // startScheduledBackups makes it; scheduleBackups expects it
		for (let i = 0; i < 5; i++) {
			names.push(backupFileName(f.at()));
			expect(await f.timer.tick!()).toMatchObject({ ok: true });
			await write(1, 100 + i);
			f.advance();
		}
		await schedule.stop();
		expect(listBackups(backups)).toEqual(names.slice(2));
		expect(readdirSync(backups).sort()).toEqual(names.slice(2));
		expect(f.lines).toHaveLength(5);
		for (const l of f.lines)
			expect(l).toMatch(/^\[backup\] wrote john-school-\d{8}T\d{6}Z\.sqlite \(\d+ KB, \d+ ms\)(; removed 1 older)?$/);
		expect(f.lines.filter((l) => l.endsWith('removed 1 older'))).toHaveLength(2);
	});

	it('does not delete older backups when a backup fails', async () => {
		const f = fakeSeams();
		const good = scheduleBackups(h.sqlite!, { dir: tmp, intervalMs: 60_000, keep: 1 }, f.seams);
		await good.run();
		await good.stop();
		f.advance();
		const bad = scheduleBackups(
			h.sqlite!,
			{ dir: tmp, intervalMs: 60_000, keep: 1 },
			{ ...f.seams, check: async () => ['page 7 is never used'] }
		);
		expect(await bad.run()).toMatchObject({ ok: false, reason: 'failed' });
		await bad.stop();
		expect(listBackups(tmp)).toEqual(['john-school-20260301T080000Z.sqlite']);
	});

	it('runs one backup at a time: a tick while one is running is skipped', async () => {
		await write(50);
		const f = fakeSeams();
		const schedule = scheduleBackups(h.sqlite!, { dir: tmp, intervalMs: 60_000, keep: 5 }, f.seams);
		const first = schedule.run();
		f.advance();
		expect(await f.timer.tick!()).toEqual({ ok: false, reason: 'busy' });
		expect(await first).toMatchObject({ ok: true });
		expect(f.lines[0]).toBe('[backup] skipped: the previous backup is still running');
		expect(listBackups(tmp)).toHaveLength(1);
		await schedule.stop();
	});

	it('stops on shutdown: the timer is cleared and a backup in progress is abandoned without leaving a file', async () => {
		await write(50);
		const f = fakeSeams();
		const schedule = scheduleBackups(h.sqlite!, { dir: tmp, intervalMs: 60_000, keep: 5 }, f.seams);
		const running = schedule.run();
		await schedule.stop();
		expect(f.timer.stopped).toBe(true);
		expect(await running).toMatchObject({ ok: false, reason: 'stopped' });
		expect(await schedule.run()).toEqual({ ok: false, reason: 'stopped' });
		expect(readdirSync(tmp).filter((n) => n.startsWith('john-school-'))).toEqual([]);
	});
});

describe('starting from the configuration', () => {
	const saved = { ...process.env };
	afterEach(() => {
		for (const k of ['BACKUP_DIR', 'BACKUP_INTERVAL_MINUTES', 'BACKUP_KEEP']) {
			if (saved[k] === undefined) delete process.env[k];
			else process.env[k] = saved[k];
		}
	});

	it('makes no backups without BACKUP_DIR, and says so', () => {
		delete process.env.BACKUP_DIR;
		const f = fakeSeams();
		expect(startScheduledBackups(h, f.seams)).toBeNull();
		expect(f.lines).toEqual(['[backup] BACKUP_DIR is not set: the server makes no backups']);
	});

	it('on PostgreSQL leaves backups to the operator, and says so once', () => {
		process.env.BACKUP_DIR = backups;
		const f = fakeSeams();
		expect(startScheduledBackups({ ...h, kind: 'postgres', sqlite: undefined }, f.seams)).toBeNull();
		expect(f.lines).toHaveLength(1);
		expect(f.lines[0]).toMatch(/PostgreSQL.*pg_dump.*WAL archiving/);
		expect(existsSync(backups)).toBe(false);
	});

	it('refuses a bad BACKUP_INTERVAL_MINUTES or BACKUP_KEEP rather than guess', () => {
		process.env.BACKUP_DIR = backups;
		process.env.BACKUP_KEEP = '0';
		expect(() => startScheduledBackups(h, fakeSeams().seams)).toThrow(
			/BACKUP_KEEP must be a positive whole number, not "0"/
		);
		process.env.BACKUP_KEEP = '4';
		process.env.BACKUP_INTERVAL_MINUTES = 'soon';
		expect(() => startScheduledBackups(h, fakeSeams().seams)).toThrow(
			/BACKUP_INTERVAL_MINUTES must be a positive number/
		);
	});

	it('defaults to every 15 minutes, keeping 96, and makes the directory', async () => {
		process.env.BACKUP_DIR = backups;
		delete process.env.BACKUP_INTERVAL_MINUTES;
		delete process.env.BACKUP_KEEP;
		const f = fakeSeams();
		const schedule = startScheduledBackups(h, f.seams)!;
		expect(f.timer.ms).toBe(15 * 60_000);
		expect(f.lines).toEqual([`[backup] every 15 min into ${backups}, keeping the newest 96`]);
		expect(statSync(backups).mode & 0o777).toBe(0o700);
		expect(await f.timer.tick!()).toMatchObject({
			ok: true,
			file: join(backups, 'john-school-20260301T080000Z.sqlite')
		});
		await schedule.stop();
	});
});
