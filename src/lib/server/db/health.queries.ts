import { sql } from 'kysely';
import type { Db } from './index';

/** A round trip to the database, for /healthz: throws when it does not answer. */
export async function databaseAnswers(db: Db): Promise<void> {
	await sql`select 1`.execute(db);
}
