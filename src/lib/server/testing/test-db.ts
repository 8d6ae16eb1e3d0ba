import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type DbHandle } from '../db';
import { migrateToLatest } from '../db/migrate';

export const PG_TEST_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgAvailable: Promise<boolean> | null = null;
/** Whether the PostgreSQL test server answers; the suite says so clearly when it does not. */
export function postgresAvailable(): Promise<boolean> {
	pgAvailable ??= (async () => {
		if (process.env.SKIP_POSTGRES === '1') return false;
		const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 });
		try {
			await client.connect();
			await client.query('select 1');
			return true;
		} catch {
			return false;
		} finally {
			await client.end().catch(() => {});
		}
	})();
	return pgAvailable;
}

export type TestDbKind = 'sqlite' | 'postgres';

/** The advisory lock that keeps schema drops apart from migrations (any number; the same everywhere). */
const SCHEMA_LOCK = 72_0151;

/** A freshly migrated database: in-memory SQLite, or a new schema of its own on PostgreSQL. */
export async function createTestDb(kind: TestDbKind): Promise<DbHandle> {
	if (kind === 'sqlite') {
		const h = openDatabase(':memory:');
		await migrateToLatest(h.db);
		return h;
	}
	const schema = `t_${randomBytes(6).toString('hex')}`;
	// Kysely's migrator looks for its tables with the PostgreSQL introspector, which resolves every
	// schema by name (has_schema_privilege, pg_get_serial_sequence): a schema another test drops in the
	// middle of that query fails it with "schema t_… does not exist". So migrations hold a shared
	// advisory lock and drops an exclusive one: no schema is dropped while any test is migrating.
	const admin = new pg.Client({ connectionString: PG_TEST_URL });
	await admin.connect();
	await admin.query(`create schema ${schema}`);
	await admin.query('select pg_advisory_lock_shared($1)', [SCHEMA_LOCK]);
	const h = openDatabase(PG_TEST_URL, { pgSchema: schema });
	try {
		await migrateToLatest(h.db);
	} finally {
		await admin.query('select pg_advisory_unlock_shared($1)', [SCHEMA_LOCK]);
		await admin.end();
	}
	return {
		...h,
		close: async () => {
			await h.close();
			const c = new pg.Client({ connectionString: PG_TEST_URL });
			await c.connect();
			await c.query('select pg_advisory_lock($1)', [SCHEMA_LOCK]);
			await c.query(`drop schema ${schema} cascade`);
			await c.end(); // ending the session releases the lock
		}
	};
}
