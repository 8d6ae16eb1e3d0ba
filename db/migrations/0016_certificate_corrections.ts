import { sql, type Kysely } from 'kysely';

// A correction of a certified participant's facts, claimed before its certificate is rendered and
// closed when it is registered or abandoned. The claim holds the serial it was given, so every serial
// that never became a certificate is accounted for, and at most one correction of a certificate is
// pending at a time. changes_json holds the old and new values: personal data, blanked by the
// retention purge with the rest of the record.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('certificate_corrections')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('certificate_id', 'text', (c) => c.notNull().references('certificates.id'))
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('serial', 'text', (c) => c.notNull().unique())
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('changes_json', 'text', (c) => c.notNull())
		.addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('started_at', 'text', (c) => c.notNull())
		.addColumn('finished_at', 'text')
		.addColumn('outcome', 'text', (c) => c.notNull()) // pending | issued | abandoned
		.addColumn('abandoned_because', 'text') // revoked | purged | duplicate_case | expired | failed
		.execute();
	await db.schema
		.createIndex('certificate_corrections_one_pending_uq')
		.on('certificate_corrections')
		.column('certificate_id')
		.unique()
		.where(sql.ref('outcome'), '=', 'pending')
		.execute();
	await db.schema
		.createIndex('certificate_corrections_enrollment_idx')
		.on('certificate_corrections')
		.column('enrollment_id')
		.execute();
	await db.schema
		.createIndex('certificate_corrections_outcome_idx')
		.on('certificate_corrections')
		.columns(['outcome', 'started_at'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('certificate_corrections').execute();
}
