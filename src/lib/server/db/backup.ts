// One backup of the live SQLite database: copied with SQLite's online backup API, checked, and only
// then given its final name. Used by the server's schedule (backup-schedule.ts) and `db:backup`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const NAME = /^john-school-\d{8}T\d{6}Z\.sqlite$/;
const PARTIAL = /^john-school-.*\.partial$/;
const BUSY_RETRIES = 250; // × 20 ms

/** `john-school-20260517T143000Z.sqlite`: UTC, no colons (portable), sorts by name = by time. */
export function backupFileName(at: Date): string {
	return `john-school-${utcStamp(at)}.sqlite`;
}

export function utcStamp(at: Date): string {
	return at
		.toISOString()
		.replace(/\.\d{3}Z$/, 'Z')
		.replace(/[-:]/g, '');
}

/** The scheduled backups in `dir`, oldest first (their names sort by time). */
export function listBackups(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((n) => NAME.test(n))
		.sort();
}

export interface BackupOptions {
	/**
	 * Pages copied per step. The server's own connection copies in small steps, so the event loop
	 * is held for a few ms at a time, and its writes between steps are carried into the copy. Another
	 * process (`db:backup` beside a running server) copies in one step: SQLite restarts a step-wise
	 * backup whenever a different connection writes, so a busy server could starve it.
	 */
	pagesPerStep?: number;
	/** Abort between steps (server shutdown); the partial file is removed. */
	signal?: AbortSignal;
	/** The integrity check of the copy; by default in a worker thread (seconds on a large file). */
	check?: (file: string) => Promise<string[]>;
}

export interface BackupWritten {
	file: string;
	bytes: number;
	ms: number;
}

export class BackupError extends Error {}

/**
 * Copies the database to `file` (which must not exist) through `<file>.partial`: the copy is
 * switched to a single self-contained file (rollback journal; the server turns WAL back on when it
 * opens a restored copy), given mode 0600 (it holds personal data), checked read-only with
 * `PRAGMA integrity_check`, synced, and only then renamed. A copy that fails the check is deleted;
 * the final name never holds a partial or unchecked file.
 */
export async function backupTo(
	sqlite: SQLite.Database,
	file: string,
	opts: BackupOptions = {}
): Promise<BackupWritten> {
	const started = performance.now();
	if (existsSync(file)) throw new BackupError(`${file} already exists`);
	const partial = `${file}.partial`;
	await unlink(partial).catch(() => {});
	try {
		const pages = opts.pagesPerStep ?? 100;
		const progress = () => {
			if (opts.signal?.aborted) throw new BackupError('stopped before it finished (shutdown)');
			return pages;
		};
		// A step taken while this connection is inside a write transaction gets SQLITE_BUSY and is
		// retried (nothing uncommitted is copied); better-sqlite3 then reports 0 pages if it was the
		// very first step, without a file. Try again shortly: transactions here last milliseconds.
		for (let attempt = 1; (await sqlite.backup(partial, { progress })).totalPages === 0; attempt++) {
			if (opts.signal?.aborted) throw new BackupError('stopped before it finished (shutdown)');
			if (attempt === BUSY_RETRIES)
				throw new BackupError('the database stayed inside a transaction for 5 s; no backup this time');
			await new Promise((r) => setTimeout(r, 20));
		}
		const copy = new SQLite(partial, { fileMustExist: true });
		try {
			copy.pragma('journal_mode = DELETE');
		} finally {
			copy.close();
		}
		await chmod(partial, 0o600);
		const result = await (opts.check ?? integrityCheckInWorker)(partial);
		if (result.length !== 1 || result[0] !== 'ok') {
			throw new BackupError(`the copy failed PRAGMA integrity_check (${integrityProblems(result)}); it was deleted`);
		}
		await fsyncPath(partial, 'r+');
		await rename(partial, file);
		await fsyncPath(dirname(file), 'r');
		const { size } = await stat(file);
		return { file, bytes: size, ms: Math.round(performance.now() - started) };
	} finally {
		for (const f of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`])
			await unlink(f).catch(() => {});
	}
}

/** Writes `john-school-<UTC time>.sqlite` into `dir`. */
export function writeBackup(
	sqlite: SQLite.Database,
	dir: string,
	now: Date,
	opts: BackupOptions = {}
): Promise<BackupWritten> {
	return backupTo(sqlite, join(dir, backupFileName(now)), opts);
}

/**
 * Deletes all but the newest `keep` backups in `dir` (and `.partial` files an hour old, left by a
 * crash mid-copy); returns the names deleted. Call it only after a backup succeeded, so failing
 * backups never thin out the good ones.
 */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
	if (!Number.isInteger(keep) || keep < 1) throw new Error('keep must be a whole number of at least 1');
	const all = listBackups(dir);
	const doomed = all.slice(0, Math.max(0, all.length - keep));
	const hourAgo = Date.now() - 3_600_000;
	for (const n of readdirSync(dir)) {
		if (PARTIAL.test(n) && statSync(join(dir, n)).mtimeMs < hourAgo) doomed.push(n);
	}
	for (const n of doomed) await unlink(join(dir, n));
	return doomed;
}

/** The first few problems `PRAGMA integrity_check` names (its rows may hold several lines each). */
export function integrityProblems(rows: string[]): string {
	const lines = rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() && !l.startsWith('***'));
	return lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; and ${lines.length - 3} more` : '');
}

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
	const fh = await open(path, flags);
	try {
		await fh.sync();
	} finally {
		await fh.close();
	}
}

// Plain JavaScript evaluated in a worker: no bundling or TypeScript loader involved, the same in
// tests, the CLI and the built server. The driver is resolved here and handed over as a path.
const CHECK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let db;
try {
	const Database = require(workerData.driver);
	db = new Database(workerData.file, { readonly: true, fileMustExist: true });
	parentPort.postMessage({ rows: db.pragma('integrity_check').map((r) => r.integrity_check) });
} catch (e) {
	parentPort.postMessage({ error: String((e && e.message) || e) });
} finally {
	if (db) db.close();
}`;

/** `PRAGMA integrity_check` on a read-only connection in a worker thread: ['ok'] or the problems. */
export function integrityCheckInWorker(file: string): Promise<string[]> {
	const driver = createRequire(import.meta.url).resolve('better-sqlite3');
	return new Promise((resolve, reject) => {
		const worker = new Worker(CHECK_WORKER, { eval: true, workerData: { driver, file } });
		worker.once('message', (m: { rows?: string[]; error?: string }) => {
			if (m.rows) resolve(m.rows);
			else reject(new BackupError(`could not check ${basename(file)}: ${m.error}`));
		});
		worker.once('error', reject);
		worker.once('exit', (code) => reject(new BackupError(`the integrity check stopped (exit ${code})`)));
	});
}
