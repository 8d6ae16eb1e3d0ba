import { config } from '../config';
import { openDatabase, type DbHandle } from './index';
import { migrateToLatest } from './migrate';

let handle: DbHandle | null = null;
let ready: Promise<DbHandle> | null = null;

/** The server's one database handle, migrated before first use. */
export function getDb(): Promise<DbHandle> {
	ready ??= (async () => {
		handle = openDatabase(config.databaseUrl);
		const { applied } = await migrateToLatest(handle.db);
		if (applied.length) console.log(`[db] applied migrations: ${applied.join(', ')}`);
		return handle;
	})();
	return ready;
}

export async function closeDb(): Promise<void> {
	if (handle) await handle.close();
	handle = null;
	ready = null;
}
