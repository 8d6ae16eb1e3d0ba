import type { Kysely } from 'kysely';

// The court's next hearing in the case, recorded by court staff, so the court and the program see
// the participant's standing against the date that matters to the judge. Its history is the audit log.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('enrollments').addColumn('next_hearing_date', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('enrollments').dropColumn('next_hearing_date').execute();
}
