import type { Kysely } from 'kysely';

// Safety flags on reflections: raised by staff or by the phrase screen at submission (raised_by
// null), resolved once by staff with what was done. Only the program's staff see them.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('safety_flags')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('submission_id', 'text', (c) => c.notNull().references('reflection_submissions.id'))
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('category', 'text', (c) => c.notNull())
		.addColumn('note', 'text')
		.addColumn('raised_by', 'text', (c) => c.references('users.id'))
		.addColumn('raised_at', 'text', (c) => c.notNull())
		.addColumn('resolution', 'text')
		.addColumn('resolved_by', 'text', (c) => c.references('users.id'))
		.addColumn('resolved_at', 'text')
		.execute();
	await db.schema
		.createIndex('safety_flags_open_idx')
		.on('safety_flags')
		.columns(['resolved_at', 'raised_at'])
		.execute();
	await db.schema.createIndex('safety_flags_submission_idx').on('safety_flags').column('submission_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('safety_flags').execute();
}
