import type { Kysely } from 'kysely';

// A referral from the court and the participant's enrollment are one record: it exists from the
// referral on, and gains a user when the participant activates it with his one-time code.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('enrollments')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('court_id', 'text', (c) => c.notNull().references('courts.id'))
		.addColumn('user_id', 'text', (c) => c.unique().references('users.id'))
		.addColumn('curriculum_version_id', 'text', (c) => c.references('curriculum_versions.id'))
		.addColumn('legal_name', 'text', (c) => c.notNull())
		.addColumn('date_of_birth', 'text', (c) => c.notNull())
		.addColumn('case_number', 'text', (c) => c.notNull())
		.addColumn('offence', 'text')
		.addColumn('referral_date', 'text', (c) => c.notNull())
		.addColumn('due_date', 'text', (c) => c.notNull())
		.addColumn('email', 'text')
		.addColumn('phone', 'text')
		.addColumn('status', 'text', (c) => c.notNull()) // referred | active | completed | withdrawn
		.addColumn('code_hash', 'text', (c) => c.notNull().unique())
		.addColumn('code_expires_at', 'text', (c) => c.notNull())
		.addColumn('code_used_at', 'text')
		.addColumn('notice_version', 'text')
		.addColumn('notice_acknowledged_at', 'text')
		.addColumn('activated_at', 'text')
		.addColumn('seat_last_beat_at', 'text')
		.addColumn('fee_status', 'text', (c) => c.notNull()) // unpaid | paid | waived
		.addColumn('fee_recorded_by', 'text', (c) => c.references('users.id'))
		.addColumn('fee_recorded_at', 'text')
		.addColumn('attestation_name', 'text')
		.addColumn('attested_at', 'text')
		.addColumn('completed_at', 'text')
		.addColumn('purged_at', 'text')
		.addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addUniqueConstraint('enrollments_court_case_uq', ['court_id', 'case_number'])
		.execute();
	await db.schema.createIndex('enrollments_program_idx').on('enrollments').columns(['program_id', 'status']).execute();

	await db.schema
		.createTable('case_notes')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('case_notes_enrollment_idx').on('case_notes').column('enrollment_id').execute();

	await db.schema
		.createTable('due_date_extensions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('previous_due_date', 'text', (c) => c.notNull())
		.addColumn('new_due_date', 'text', (c) => c.notNull())
		.addColumn('order_reference', 'text', (c) => c.notNull())
		.addColumn('recorded_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const t of ['due_date_extensions', 'case_notes', 'enrollments']) await db.schema.dropTable(t).execute();
}
