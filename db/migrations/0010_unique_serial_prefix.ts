import type { Kysely } from 'kysely';

// Serials are unique across the whole registry (verification looks a serial up alone), and each
// program numbers its own: two programs sharing a prefix would collide on their first certificates.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.createIndex('programs_serial_prefix_idx').unique().on('programs').column('serial_prefix').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropIndex('programs_serial_prefix_idx').execute();
}
