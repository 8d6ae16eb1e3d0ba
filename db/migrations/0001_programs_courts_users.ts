import type { Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('programs')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('slug', 'text', (c) => c.notNull().unique())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('provider', 'text', (c) => c.notNull())
		.addColumn('serial_prefix', 'text', (c) => c.notNull())
		.addColumn('settings_json', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('courts')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('county', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('courts_program_idx').on('courts').column('program_id').execute();

	await db.schema
		.createTable('users')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('email', 'text', (c) => c.notNull().unique())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('password_hash', 'text', (c) => c.notNull())
		.addColumn('totp_key', 'text')
		.addColumn('totp_last_step', 'integer')
		.addColumn('disabled_at', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('user_roles')
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('role', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
		.execute();

	// Staff scope: facilitators and admins work for programs, court staff for courts.
	await db.schema
		.createTable('user_programs')
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addPrimaryKeyConstraint('user_programs_pk', ['user_id', 'program_id'])
		.execute();
	await db.schema
		.createTable('user_courts')
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('court_id', 'text', (c) => c.notNull().references('courts.id'))
		.addPrimaryKeyConstraint('user_courts_pk', ['user_id', 'court_id'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const t of ['user_courts', 'user_programs', 'user_roles', 'users', 'courts', 'programs']) {
		await db.schema.dropTable(t).execute();
	}
}
