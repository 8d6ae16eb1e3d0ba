import type { Kysely } from 'kysely';

// A schedule form carries a one-time token: a double-submitted form finds the session the first
// submit created instead of creating a second one. NULLs never collide, so older rows need none.
// Also: attendance is read per enrollment (completion evidence), which the primary key
// (session_id, enrollment_id) does not serve.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('live_sessions').addColumn('form_token', 'text').execute();
	await db.schema
		.createIndex('live_sessions_form_token_idx')
		.unique()
		.on('live_sessions')
		.columns(['program_id', 'form_token'])
		.execute();
	await db.schema
		.createIndex('session_registrations_enrollment_idx')
		.on('session_registrations')
		.column('enrollment_id')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropIndex('session_registrations_enrollment_idx').execute();
	await db.schema.dropIndex('live_sessions_form_token_idx').execute();
	await db.schema.alterTable('live_sessions').dropColumn('form_token').execute();
}
