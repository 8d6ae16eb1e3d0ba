// Putting a backup back in place of the live SQLite database (`db:restore`), with the server stopped.
import { chmodSync, chownSync, copyFileSync, existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrations } from '../../../../db/migrations/index';
import { verifyAuditChain } from '../audit/audit';
import { verifyVerificationChain } from '../verification/verification-log';
import { integrityProblems, utcStamp } from './backup';
import type { Database } from './schema';

export interface BackupReport {
	auditEntries: number;
	/** The newest audit entry's time (ISO, UTC): what happened after it is not in the backup. */
	newestAuditAt: string | null;
	migrations: number;
	/** Migrations this version has and the backup lacks: the server applies them at start. */
	pending: string[];
}

export type BackupCheck = ({ ok: true } & BackupReport) | { ok: false; problem: string };

/**
 * Whether a file is a usable John School database: it opens, `PRAGMA integrity_check` is ok, it has
 * the migrations table and no migration this version does not know, and its audit chain and its
 * verification log's chain verify.
 * Opens the file read-write (run it on a private copy): a read-only open of a WAL-format file would
 * leave -wal and -shm files beside it.
 */
export async function checkBackup(file: string): Promise<BackupCheck> {
	let raw: SQLite.Database;
	try {
		raw = new SQLite(file, { fileMustExist: true, timeout: 0 });
	} catch (e) {
		return { ok: false, problem: `it cannot be opened (${(e as Error).message})` };
	}
	const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
	try {
		const rows = raw.pragma('integrity_check') as { integrity_check: string }[];
		const result = rows.map((r) => r.integrity_check);
		if (result.length !== 1 || result[0] !== 'ok')
			return { ok: false, problem: `PRAGMA integrity_check failed: ${integrityProblems(result)}` };
		const hasMigrations = raw
			.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
			.get();
		if (!hasMigrations)
			return { ok: false, problem: 'it has no migrations table (kysely_migration): not a John School database' };
		const applied = (raw.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map(
			(r) => r.name
		);
		const unknown = applied.filter((n) => !(n in migrations));
		if (unknown.length)
			return {
				ok: false,
				problem: `it was made by a newer version (unknown migrations: ${unknown.join(', ')}); restore it with that version`
			};
		const chain = await verifyAuditChain(db);
		if (!chain.ok)
			return {
				ok: false,
				problem: `its audit chain does not verify (${chain.problems
					.slice(0, 3)
					.map((p) => `entry ${p.seq}: ${p.problem}`)
					.join('; ')})`
			};
		// Backups made before the verification log was chained (migration 0021) have no chain to check.
		if (applied.includes('0021_registry_chain_packets')) {
			const log = await verifyVerificationChain(db);
			if (!log.ok)
				return {
					ok: false,
					problem: `its verification log's chain does not verify (${log.problems
						.slice(0, 3)
						.map((p) => `row ${p.seq}: ${p.problem}`)
						.join('; ')})`
				};
		}
		const newest = raw.prepare('select max(at) as at from audit_log').get() as { at: string | null };
		return {
			ok: true,
			auditEntries: chain.entries,
			newestAuditAt: newest.at,
			migrations: applied.length,
			pending: Object.keys(migrations).filter((n) => !applied.includes(n))
		};
	} catch (e) {
		return { ok: false, problem: `it cannot be read (${(e as Error).message})` };
	} finally {
		await db.destroy();
	}
}

export type RestoreOutcome =
	| ({ ok: true; target: string; from: string; keptAside: string | null; notes: string[] } & BackupReport)
	| {
			ok: false;
			reason: 'same_file' | 'backup_missing' | 'server_running' | 'current_unreadable' | 'backup_bad' | 'aside_exists';
			detail: string;
	  };

/**
 * Replaces the SQLite database `target` with the backup `from`:
 * 1. Copies the backup next to the target and checks that copy (checkBackup): what is checked is
 *    exactly what is put in place. A bad backup is refused before the live database is touched.
 * 2. Proves no one has `target` open, and keeps it so (lockIdle).
 * 3. Renames the current database to `<target>.before-restore-<UTC time>` (never deleted), then the
 *    checked copy to `target`, and only then lets go of the lock.
 */
export async function restoreSqlite(opts: {
	target: string;
	from: string;
	now: Date;
	force?: boolean;
}): Promise<RestoreOutcome> {
	const target = resolve(opts.target);
	const from = resolve(opts.from);
	if (target === from) return { ok: false, reason: 'same_file', detail: 'the backup is the live database itself' };
	if (!existsSync(from)) return { ok: false, reason: 'backup_missing', detail: `no such file: ${from}` };

	const stamp = utcStamp(opts.now);
	const copy = `${target}.restore-${stamp}.partial`;
	let lock: SQLite.Database | null = null;
	try {
		copyFileSync(from, copy);
		await fsync(copy);
		const check = await checkBackup(copy);
		if (!check.ok) return { ok: false, reason: 'backup_bad', detail: `${from} was not restored: ${check.problem}` };
		for (const side of ['-wal', '-shm', '-journal']) {
			if (existsSync(copy + side))
				return {
					ok: false,
					reason: 'backup_bad',
					detail: `the checked copy was not closed cleanly (${copy}${side} remains)`
				};
		}

		const notes: string[] = [];
		let keptAside: string | null = null;
		if (existsSync(target)) {
			// The restored file gets the old one's mode and, run as root, its owner: the server may
			// run as another user than the operator, and must still open it.
			const old = statSync(target);
			chmodSync(copy, old.mode & 0o777);
			if (process.getuid?.() === 0) chownSync(copy, old.uid, old.gid);
			keptAside = `${target}.before-restore-${stamp}`;
			if (existsSync(keptAside))
				return {
					ok: false,
					reason: 'aside_exists',
					detail: `${keptAside} already exists; wait a second and run again`
				};
			const locked = lockIdle(target);
			if (!locked.ok) {
				if (locked.reason === 'server_running' || !opts.force) return locked;
				notes.push(`${locked.detail}; it is kept aside as it was, with any -wal/-shm files`);
			} else lock = locked.lock;
			renameSync(target, keptAside);
			// Only left when forced past an unreadable file: they go with it, as they may hold its data.
			for (const side of ['-wal', '-shm']) if (existsSync(target + side)) renameSync(target + side, keptAside + side);
		}
		renameSync(copy, target);
		await fsync(dirname(target), 'r');
		return { ok: true, target, from, keptAside, notes, ...pick(check) };
	} finally {
		lock?.close();
		for (const f of [copy, `${copy}-wal`, `${copy}-shm`, `${copy}-journal`]) if (existsSync(f)) unlinkSync(f);
	}
}

/**
 * Takes the live file's exclusive lock, or says who has it. `journal_mode=DELETE` without a busy
 * wait needs that lock, and a running server holds a shared lock for as long as its connection is
 * open (WAL mode), so it fails with SQLITE_BUSY and changes nothing. When it succeeds it has folded
 * the WAL (even one left by a crash) into the file and removed the -wal and -shm files: what is kept
 * aside is one whole file, and no stale -wal can be replayed onto the restored one. Then
 * locking_mode=EXCLUSIVE + BEGIN EXCLUSIVE keep the lock until the connection closes, so a server
 * started meanwhile waits, then fails, rather than open a file being replaced.
 */
function lockIdle(
	file: string
):
	{ ok: true; lock: SQLite.Database } | { ok: false; reason: 'server_running' | 'current_unreadable'; detail: string } {
	let lock: SQLite.Database | null = null;
	try {
		lock = new SQLite(file, { fileMustExist: true, timeout: 0 });
		const mode = lock.pragma('journal_mode = DELETE', { simple: true });
		if (mode !== 'delete')
			throw Object.assign(new Error(`the journal mode stayed ${String(mode)}`), { code: 'SQLITE_BUSY' });
		lock.pragma('locking_mode = EXCLUSIVE');
		lock.exec('BEGIN EXCLUSIVE');
		lock.exec('COMMIT');
		return { ok: true, lock };
	} catch (e) {
		lock?.close();
		const code = (e as { code?: string }).code ?? '';
		if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
			return {
				ok: false,
				reason: 'server_running',
				detail: `${file} is in use (${code}): stop the server (and anything else that has it open), then restore`
			};
		}
		return {
			ok: false,
			reason: 'current_unreadable',
			detail: `${file} cannot be opened to lock it (${(e as Error).message})`
		};
	}
}

function pick(r: BackupReport): BackupReport {
	return { auditEntries: r.auditEntries, newestAuditAt: r.newestAuditAt, migrations: r.migrations, pending: r.pending };
}

async function fsync(path: string, flags: 'r' | 'r+' = 'r+'): Promise<void> {
	const fh = await open(path, flags);
	try {
		await fh.sync();
	} finally {
		await fh.close();
	}
}
