// The server's scheduled backups (BACKUP_DIR): one every BACKUP_INTERVAL_MINUTES, the newest
// BACKUP_KEEP kept. The time and the timer are seams, so tests run a schedule without waiting.
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import { clock } from '../clock';
import { config } from '../config';
import { BackupError, pruneBackups, writeBackup, type BackupOptions, type BackupWritten } from './backup';
import type { DbHandle } from './index';

export interface BackupSettings {
	dir: string;
	intervalMs: number;
	keep: number;
}

export interface ScheduleSeams {
	now(): Date;
	/** Calls `tick` every `ms`; must not keep the process alive. */
	every(ms: number, tick: () => Promise<unknown>): { stop(): void };
	log(line: string): void;
	warn(line: string): void;
	check?: BackupOptions['check'];
}

export const realSeams: ScheduleSeams = {
	now: () => clock.now(),
	every(ms, tick) {
		const timer = setInterval(tick, ms);
		timer.unref();
		return { stop: () => clearInterval(timer) };
	},
	log: (line) => console.log(line),
	warn: (line) => console.error(line)
};

export type BackupRun =
	| ({ ok: true; removed: string[] } & BackupWritten)
	| { ok: false; reason: 'busy' | 'stopped' | 'failed'; message?: string };

export interface BackupSchedule {
	/** One backup now, unless one is already running; never throws (failures are logged). */
	run(): Promise<BackupRun>;
	/** Stops the timer and aborts a backup in progress (its partial file is removed). */
	stop(): Promise<void>;
}

export function scheduleBackups(
	sqlite: SQLite.Database,
	settings: BackupSettings,
	seams: ScheduleSeams = realSeams
): BackupSchedule {
	let running: Promise<BackupRun> | null = null;
	let stopped = false;
	const abort = new AbortController();

	async function once(): Promise<BackupRun> {
		try {
			const written = await writeBackup(sqlite, settings.dir, seams.now(), {
				signal: abort.signal,
				check: seams.check
			});
			const removed = await pruneBackups(settings.dir, settings.keep);
			// File name, size and duration only: no paths beyond BACKUP_DIR, nothing from the data.
			seams.log(
				`[backup] wrote ${basename(written.file)} (${formatBytes(written.bytes)}, ${written.ms} ms)${removed.length ? `; removed ${removed.length} older` : ''}`
			);
			return { ok: true, removed, ...written };
		} catch (e) {
			const message =
				e instanceof BackupError ? e.message : `${(e as { code?: string }).code ?? 'error'}: ${(e as Error).message}`;
			if (stopped) return { ok: false, reason: 'stopped', message };
			seams.warn(`[backup] FAILED: ${message}`);
			return { ok: false, reason: 'failed', message };
		}
	}

	function run(): Promise<BackupRun> {
		if (stopped) return Promise.resolve({ ok: false, reason: 'stopped' });
		if (running) {
			seams.warn('[backup] skipped: the previous backup is still running');
			return Promise.resolve({ ok: false, reason: 'busy' });
		}
		running = once().finally(() => (running = null));
		return running;
	}

	const timer = seams.every(settings.intervalMs, run);
	return {
		run,
		async stop() {
			stopped = true;
			timer.stop();
			abort.abort();
			await running;
		}
	};
}

/**
 * Starts the schedule the configuration asks for, or says why there is none. SQLite only: a
 * PostgreSQL server is backed up by the operator (pg_dump, WAL archiving for point-in-time recovery).
 */
export function startScheduledBackups(handle: DbHandle, seams: ScheduleSeams = realSeams): BackupSchedule | null {
	const dir = config.backupDir;
	if (handle.kind === 'postgres') {
		seams.log(
			'[backup] PostgreSQL: no scheduled backups from the server; back the database up with pg_dump and WAL archiving (point-in-time recovery)'
		);
		return null;
	}
	if (!dir) {
		seams.warn('[backup] BACKUP_DIR is not set: the server makes no backups');
		return null;
	}
	const settings = { dir: resolve(dir), intervalMs: config.backupIntervalMinutes * 60_000, keep: config.backupKeep };
	mkdirSync(settings.dir, { recursive: true, mode: 0o700 });
	seams.log(
		`[backup] every ${config.backupIntervalMinutes} min into ${settings.dir}, keeping the newest ${settings.keep}`
	);
	return scheduleBackups(handle.sqlite!, settings, seams);
}

function formatBytes(n: number): string {
	return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
