import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	const blob = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';

	await db.schema
		.createTable('signoffs')
		.addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id'))
		.addColumn('facilitator_id', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('checklist_json', 'text', (c) => c.notNull())
		.addColumn('signed_at', 'text', (c) => c.notNull())
		// Allocated with the sign-off, so an issue interrupted before the certificate row is written
		// resumes with the same serial instead of burning another.
		.addColumn('serial', 'text', (c) => c.notNull().unique())
		.execute();

	await db.schema
		.createTable('signing_keys')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('kind', 'text', (c) => c.notNull()) // ed25519 | pdf
		.addColumn('public_pem', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('registered_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('serial_counters')
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('year', 'integer', (c) => c.notNull())
		.addColumn('last_value', 'integer', (c) => c.notNull())
		.addPrimaryKeyConstraint('serial_counters_pk', ['program_id', 'year'])
		.execute();

	await db.schema
		.createTable('certificates')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('serial', 'text', (c) => c.notNull().unique())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('court_id', 'text', (c) => c.notNull().references('courts.id'))
		.addColumn('code_hash', 'text', (c) => c.notNull())
		.addColumn('facts_json', 'text', (c) => c.notNull())
		.addColumn('ed25519_signature', 'text', (c) => c.notNull())
		.addColumn('ed25519_key_id', 'text', (c) => c.notNull().references('signing_keys.id'))
		.addColumn('pdf_key_id', 'text', (c) => c.notNull().references('signing_keys.id'))
		.addColumn('sha256', 'text', (c) => c.notNull().unique())
		.addColumn('status', 'text', (c) => c.notNull()) // valid | revoked | superseded
		.addColumn('issued_at', 'text', (c) => c.notNull())
		.addColumn('issued_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('revoked_at', 'text')
		.addColumn('revoked_by', 'text', (c) => c.references('users.id'))
		.addColumn('revoke_reason', 'text')
		.addColumn('superseded_by', 'text')
		.execute();
	// At most one valid certificate per enrollment, whatever races happen.
	await db.schema
		.createIndex('certificates_one_valid_uq')
		.on('certificates')
		.column('enrollment_id')
		.unique()
		.where(sql.ref('status'), '=', 'valid')
		.execute();

	// Kept apart from the registry row: retention purges the file (it carries personal data),
	// while the registry keeps what verification needs.
	await db.schema
		.createTable('certificate_files')
		.addColumn('certificate_id', 'text', (c) => c.primaryKey().references('certificates.id'))
		.addColumn('pdf', blob as 'blob', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('verification_log')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('method', 'text', (c) => c.notNull()) // link | typed | upload | api
		.addColumn('serial', 'text')
		.addColumn('certificate_id', 'text', (c) => c.references('certificates.id'))
		.addColumn('outcome', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.references('users.id'))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const t of [
		'verification_log',
		'certificate_files',
		'certificates',
		'serial_counters',
		'signing_keys',
		'signoffs'
	]) {
		await db.schema.dropTable(t).execute();
	}
}
