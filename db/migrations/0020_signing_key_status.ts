import type { Kysely } from 'kysely';

// Each signing key's life in the registry: when a newer key took over (retired), when it was found
// compromised (revoked from a date, with the RFC 5280 reason), and for signer certificates the
// serial and expiry a CRL and a court's validator speak of. Frozen: never edit after it lands.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('signing_keys').addColumn('retired_at', 'text').execute();
	// From when the key is distrusted (the CRL entry's revocationDate and invalidityDate).
	await db.schema.alterTable('signing_keys').addColumn('compromised_from', 'text').execute();
	// When the revocation was recorded.
	await db.schema.alterTable('signing_keys').addColumn('revoked_at', 'text').execute();
	await db.schema.alterTable('signing_keys').addColumn('revocation_reason', 'text').execute();
	await db.schema.alterTable('signing_keys').addColumn('cert_serial', 'text').execute();
	await db.schema.alterTable('signing_keys').addColumn('not_after', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const c of ['not_after', 'cert_serial', 'revocation_reason', 'revoked_at', 'compromised_from', 'retired_at']) {
		await db.schema.alterTable('signing_keys').dropColumn(c).execute();
	}
}
