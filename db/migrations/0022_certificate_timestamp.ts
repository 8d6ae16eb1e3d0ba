import type { Kysely } from 'kysely';

// When the PDF signature's RFC 3161 time-stamp says it was made (the TSA's genTime), so the
// verification page can say whether the certificate carries an independent time. Null: signed without
// one (no TSA configured, or it did not answer); every certificate issued before this column is such
// a one. Frozen: never edit after it lands.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('certificates').addColumn('timestamped_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('certificates').dropColumn('timestamped_at').execute();
}
