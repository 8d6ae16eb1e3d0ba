import type { Kysely } from 'kysely';

// A participant's request to correct data kept about him (Minn. Stat. § 13.04 subd. 4), and the
// program's decision on it. The purge empties the texts with the rest of his record.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('correction_requests')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('decision', 'text')
		.addColumn('response', 'text')
		.addColumn('decided_by', 'text', (c) => c.references('users.id'))
		.addColumn('decided_at', 'text')
		.execute();
	await db.schema
		.createIndex('correction_requests_enrollment_idx')
		.on('correction_requests')
		.column('enrollment_id')
		.execute();
	await db.schema
		.createIndex('correction_requests_open_idx')
		.on('correction_requests')
		.columns(['decided_at', 'created_at'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('correction_requests').execute();
}
