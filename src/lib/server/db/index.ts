import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;
/** Inside `db.transaction().execute(…)`: what must commit or fail together with a change takes this. */
export type Tx = Transaction<Database>;
export type DbKind = 'sqlite' | 'postgres';

export interface DbHandle {
	db: Db;
	kind: DbKind;
	/** Human-readable location without credentials, for logs. */
	location: string;
	/** The raw SQLite connection (for the online backup API); absent on PostgreSQL. */
	sqlite?: SQLite.Database;
	close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = 'db/data/john-school.sqlite';

export function isPostgresUrl(url: string | undefined): boolean {
	return !!url && /^postgres(ql)?:\/\//.test(url);
}

// Court records: WAL for concurrent readers, synchronous=FULL so a committed transaction survives
// power loss (NORMAL may lose the last ones), foreign keys enforced, a busy timeout instead of errors.
const SQLITE_PRAGMAS = {
	journal_mode: 'wal',
	synchronous: 2, // FULL
	foreign_keys: 1,
	busy_timeout: 5000
} as const;

export function openSqlite(path: string): SQLite.Database {
	if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
	const raw = new SQLite(path);
	raw.pragma(`journal_mode = ${SQLITE_PRAGMAS.journal_mode}`);
	raw.pragma('synchronous = FULL');
	raw.pragma('foreign_keys = ON');
	raw.pragma(`busy_timeout = ${SQLITE_PRAGMAS.busy_timeout}`);
	checkSqlitePragmas(raw, path === ':memory:');
	return raw;
}

/** Start-up self-check: refuse to run on a connection without the settings above. */
export function checkSqlitePragmas(raw: SQLite.Database, inMemory = false): void {
	const read = (name: string) => raw.pragma(name, { simple: true });
	const problems: string[] = [];
	if (!inMemory && read('journal_mode') !== SQLITE_PRAGMAS.journal_mode) problems.push('journal_mode is not WAL');
	if (read('synchronous') !== SQLITE_PRAGMAS.synchronous) problems.push('synchronous is not FULL');
	if (read('foreign_keys') !== SQLITE_PRAGMAS.foreign_keys) problems.push('foreign_keys is off');
	if (read('busy_timeout') !== SQLITE_PRAGMAS.busy_timeout) problems.push('busy_timeout is not set');
	if (problems.length) throw new Error(`SQLite self-check failed: ${problems.join(', ')}`);
}

// Kysely's SQLite driver prepares every statement it runs, and the same few dozen statements run on
// every request (a session, an identity, a heartbeat): preparing was ~8% of a heartbeat's CPU profile.
// A prepared statement is reusable once it has run; SQLite re-prepares it itself after a schema change.
// One still being iterated (a `.stream()`) is busy: that SQL text then gets a fresh statement.
const STATEMENT_CACHE_SIZE = 500;

export function withStatementCache(raw: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
	const cache = new Map<string, SQLite.Statement>();
	return {
		close: () => raw.close(),
		prepare(sql: string) {
			let stmt = cache.get(sql);
			if (stmt?.busy) return raw.prepare(sql);
			if (stmt) {
				// Least recently used goes first: move this one to the end.
				cache.delete(sql);
			} else {
				stmt = raw.prepare(sql);
				if (cache.size >= size) cache.delete(cache.keys().next().value!);
			}
			cache.set(sql, stmt);
			return stmt;
		}
	};
}

export interface OpenOptions {
	/** PostgreSQL only: run every query in this schema (tests use one schema each). */
	pgSchema?: string;
}

/** The SQLite file a non-PostgreSQL DATABASE_URL names (a path, optionally `file:`), or the default. */
export function sqlitePath(url: string | undefined): string {
	return url?.replace(/^file:/, '') || DEFAULT_SQLITE_PATH;
}

export function openDatabase(url: string | undefined, opts: OpenOptions = {}): DbHandle {
	if (isPostgresUrl(url)) {
		const pool = new pg.Pool({
			connectionString: url!,
			max: 10,
			options: opts.pgSchema ? `-c search_path=${opts.pgSchema}` : undefined
		});
		const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
		const u = new URL(url!);
		return { db, kind: 'postgres', location: `postgres://${u.host}${u.pathname}`, close: () => db.destroy() };
	}
	const path = sqlitePath(url);
	const raw = openSqlite(path);
	const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
	return { db, kind: 'sqlite', location: path, sqlite: raw, close: () => db.destroy() };
}
