import {
	Migrator,
	PostgresAdapter,
	sql,
	type Migration,
	type MigrationProvider,
	type MigrationResultSet
} from 'kysely';
import { migrations } from '../../../../db/migrations/index';
import type { Db } from './index';

class StaticMigrationProvider implements MigrationProvider {
	constructor(private readonly record: Record<string, Migration>) {}
	async getMigrations() {
		return this.record;
	}
}

export async function migrateToLatest(db: Db): Promise<{ applied: string[] }> {
	// On PostgreSQL, name the schema of the migration tables: otherwise Kysely looks for them in every
	// schema, finds another schema's, and never creates its own (seen with a schema per test run).
	const migrationTableSchema =
		db.getExecutor().adapter instanceof PostgresAdapter
			? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
			: undefined;
	const migrator = new Migrator({
		db,
		provider: new StaticMigrationProvider(migrations),
		...(migrationTableSchema ? { migrationTableSchema } : {})
	});
	const result: MigrationResultSet = await migrator.migrateToLatest();
	if (result.error) {
		const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
		throw new Error(`Migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
	}
	return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
