import type { Kysely } from 'kysely';

// Sign-in that limits guessing without letting anyone lock a real user out, and sessions a person can
// see and end. Frozen: never edit after it lands.
export async function up(db: Kysely<any>): Promise<void> {
	// A session made by the password step of a two-factor account stays "pending" until the code is
	// given, even if two-factor is turned off meanwhile (it is then ended, never promoted).
	await db.schema
		.alterTable('sessions')
		.addColumn('two_factor_pending', 'integer', (c) => c.notNull().defaultTo(0))
		.execute();
	await db
		.updateTable('sessions')
		.set({ two_factor_pending: 1 })
		.where('two_factor_verified', '=', 0)
		.where('user_id', 'in', db.selectFrom('users').select('id').where('totp_key', 'is not', null))
		.execute();
	// A coarse description ("Firefox on Android") so a person can tell his sessions apart.
	await db.schema.alterTable('sessions').addColumn('device', 'text').execute();
	await db.schema.createIndex('sessions_last_seen_idx').on('sessions').column('last_seen_at').execute();

	// The key a person is setting up, made and kept by the server (sealed), never taken from the form.
	await db.schema.alterTable('users').addColumn('totp_pending_key', 'text').execute();
	await db.schema.alterTable('users').addColumn('totp_pending_at', 'text').execute();

	// Browsers where the account signed in before (OWASP "device cookies"): the account- and
	// address-wide guessing limits do not apply to them, so an attacker cannot lock their owner out.
	await db.schema
		.createTable('known_devices')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('secret_hash', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('last_used_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('known_devices_user_idx').on('known_devices').column('user_id').execute();

	await db.schema.createIndex('rate_limits_updated_idx').on('rate_limits').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropIndex('rate_limits_updated_idx').execute();
	await db.schema.dropTable('known_devices').execute();
	await db.schema.alterTable('users').dropColumn('totp_pending_at').execute();
	await db.schema.alterTable('users').dropColumn('totp_pending_key').execute();
	await db.schema.dropIndex('sessions_last_seen_idx').execute();
	await db.schema.alterTable('sessions').dropColumn('device').execute();
	await db.schema.alterTable('sessions').dropColumn('two_factor_pending').execute();
}
