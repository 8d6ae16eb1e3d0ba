import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('live_sessions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('mode', 'text', (c) => c.notNull()) // in_person | virtual
		.addColumn('location', 'text')
		.addColumn('url', 'text')
		.addColumn('starts_at', 'text', (c) => c.notNull())
		.addColumn('ends_at', 'text', (c) => c.notNull())
		.addColumn('capacity', 'integer', (c) => c.notNull())
		.addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('cancelled_at', 'text')
		.execute();
	await db.schema
		.createIndex('live_sessions_program_idx')
		.on('live_sessions')
		.columns(['program_id', 'starts_at'])
		.execute();

	await db.schema
		.createTable('session_registrations')
		.addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id'))
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('registered_at', 'text', (c) => c.notNull())
		.addColumn('cancelled_at', 'text')
		.addColumn('attendance', 'text') // present | late | left_early | absent
		.addColumn('participation_grade', 'text')
		.addColumn('participation_note', 'text')
		.addColumn('marked_by', 'text', (c) => c.references('users.id'))
		.addColumn('marked_at', 'text')
		.addPrimaryKeyConstraint('session_registrations_pk', ['session_id', 'enrollment_id'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('session_registrations').execute();
	await db.schema.dropTable('live_sessions').execute();
}
