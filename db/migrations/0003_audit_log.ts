import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('audit_log')
		.addColumn('seq', 'integer', (c) => c.primaryKey())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('actor_id', 'text')
		.addColumn('action', 'text', (c) => c.notNull())
		.addColumn('target_type', 'text')
		.addColumn('target_id', 'text')
		.addColumn('outcome', 'text', (c) => c.notNull())
		.addColumn('ip', 'text')
		.addColumn('details_json', 'text', (c) => c.notNull())
		.addColumn('prev_hash', 'text', (c) => c.notNull())
		.addColumn('hash', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute();

	// One row that every writer updates first: its row lock serialises appends on PostgreSQL,
	// so two transactions can never chain onto the same predecessor.
	await db.schema
		.createTable('audit_head')
		.addColumn('id', 'integer', (c) => c.primaryKey())
		.addColumn('seq', 'integer', (c) => c.notNull())
		.addColumn('hash', 'text', (c) => c.notNull())
		.execute();
	await db
		.insertInto('audit_head')
		.values({ id: 1, seq: 0, hash: '0'.repeat(64) })
		.execute();

	const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
	if (isPg) {
		await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
			begin raise exception 'audit_log is append-only'; end $$`.execute(db);
		await sql`create trigger audit_log_no_update before update or delete on audit_log
			for each row execute function audit_log_append_only()`.execute(db);
	} else {
		await sql`create trigger audit_log_no_update before update on audit_log
			begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
		await sql`create trigger audit_log_no_delete before delete on audit_log
			begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
	}
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('audit_head').execute();
	await db.schema.dropTable('audit_log').execute();
}
