import type { Kysely } from 'kysely';

// A participant learns when a session he registered for changes: the time, and the place or meeting
// link, each carry when they last changed, read against when he registered. A walk-in's registration
// names the staff member who added him at the door (he did not register himself).
// One column per statement: SQLite adds only one column per ALTER TABLE.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('live_sessions').addColumn('time_changed_at', 'text').execute();
	await db.schema.alterTable('live_sessions').addColumn('place_changed_at', 'text').execute();
	await db.schema
		.alterTable('session_registrations')
		.addColumn('walk_in_by', 'text', (c) => c.references('users.id'))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('session_registrations').dropColumn('walk_in_by').execute();
	await db.schema.alterTable('live_sessions').dropColumn('place_changed_at').execute();
	await db.schema.alterTable('live_sessions').dropColumn('time_changed_at').execute();
}
