import type { Db } from '../db';
import type { KeyRecord } from './keys-folder';

export type KeyStatus = 'active' | 'retired' | 'revoked';

export interface SigningKeyRow {
	id: string;
	kind: 'ed25519' | 'pdf';
	publicPem: string;
	createdAt: string;
	status: KeyStatus;
	retiredAt: string | null;
	compromisedFrom: string | null;
	revokedAt: string | null;
	revocationReason: string | null;
	certSerial: string | null;
	notAfter: string | null;
}

/**
 * Bring the registry up to date with the keys folder's keys.json: new keys are added, and a key's
 * status only ever moves forward (a key once retired or revoked stays so, whatever a folder says later).
 */
export async function syncSigningKeys(db: Db, records: KeyRecord[], now: string): Promise<void> {
	for (const r of records) {
		await db
			.insertInto('signing_keys')
			.values({
				id: r.id,
				kind: r.kind,
				public_pem: r.pem,
				created_at: r.createdAt,
				registered_at: now,
				retired_at: r.retiredAt,
				compromised_from: r.revokedFrom,
				revoked_at: r.revokedAt,
				revocation_reason: r.revocationReason,
				cert_serial: r.certSerial,
				not_after: r.notAfter
			})
			.onConflict((oc) => oc.column('id').doNothing())
			.execute();
		if (r.retiredAt)
			await db
				.updateTable('signing_keys')
				.set({ retired_at: r.retiredAt })
				.where('id', '=', r.id)
				.where('retired_at', 'is', null)
				.execute();
		if (r.revokedFrom) {
			await db
				.updateTable('signing_keys')
				.set({ compromised_from: r.revokedFrom, revoked_at: r.revokedAt ?? now, revocation_reason: r.revocationReason })
				.where('id', '=', r.id)
				.where('compromised_from', 'is', null)
				.execute();
		}
		if (r.certSerial)
			await db
				.updateTable('signing_keys')
				.set({ cert_serial: r.certSerial, not_after: r.notAfter })
				.where('id', '=', r.id)
				.where('cert_serial', 'is', null)
				.execute();
	}
}

export async function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
	const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('id').execute();
	return rows.map((k) => ({
		id: k.id,
		kind: k.kind,
		publicPem: k.public_pem,
		createdAt: k.created_at,
		status: k.compromised_from ? 'revoked' : k.retired_at ? 'retired' : 'active',
		retiredAt: k.retired_at,
		compromisedFrom: k.compromised_from,
		revokedAt: k.revoked_at,
		revocationReason: k.revocation_reason,
		certSerial: k.cert_serial,
		notAfter: k.not_after
	}));
}

/** The program the keys were made for (keys.json names its slug), or the only program there is. */
export async function findKeysProgram(
	db: Db,
	slug: string | null
): Promise<{ name: string; provider: string; settingsJson: string } | undefined> {
	const rows = await db
		.selectFrom('programs')
		.select(['slug', 'name', 'provider', 'settings_json'])
		.$if(slug !== null, (q) => q.where('slug', '=', slug!))
		.limit(2)
		.execute();
	const row = rows.length === 1 ? rows[0] : undefined;
	return row && { name: row.name, provider: row.provider, settingsJson: row.settings_json };
}
