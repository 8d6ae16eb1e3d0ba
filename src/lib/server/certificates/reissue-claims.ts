// The claims of corrections (certificate_corrections, migration 0016): one pending per certificate,
// each holding the serial it was given, each closed as issued or abandoned. Every abandonment writes
// a `certificate.serial_void` audit entry, so each gap in the serial sequence is explained.
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db, Tx } from '../db';

/** A pending claim older than this was left by a crash (a render takes well under a minute). */
export const CLAIM_EXPIRES_MS = 5 * 60_000;

export type AbandonReason = 'revoked' | 'purged' | 'duplicate_case' | 'expired' | 'failed' | 'no_keys';

export interface FactChange {
	field: 'legal_name' | 'date_of_birth' | 'case_number' | 'offence' | 'offence_date';
	old: string | null;
	new: string | null;
}

const one = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows) === 1;

/** Closes every pending claim of this certificate (a revocation wins over a correction under way). */
export async function abandonPendingOf(
	trx: Tx,
	certificateId: string,
	because: AbandonReason,
	actorId: string | null,
	ip?: string
): Promise<void> {
	const rows = await trx
		.updateTable('certificate_corrections')
		.set({ outcome: 'abandoned', abandoned_because: because, finished_at: clock.iso() })
		.where('certificate_id', '=', certificateId)
		.where('outcome', '=', 'pending')
		.returning(['id', 'serial'])
		.execute();
	for (const r of rows) await auditVoid(trx, { id: r.id, serial: r.serial, certificateId }, because, actorId, ip);
}

/**
 * Closes the pending claims left by a crash, across the registry, so their serials are explained
 * without waiting for someone to correct the same certificate again. Returns the function that
 * audits them (without an actor): call it last in the transaction, as the audit head's lock must be
 * the last one taken (see the lock order in registry.service.ts).
 */
export async function expireStaleClaims(trx: Tx): Promise<() => Promise<void>> {
	const cutoff = new Date(clock.now().getTime() - CLAIM_EXPIRES_MS).toISOString();
	const rows = await trx
		.updateTable('certificate_corrections')
		.set({ outcome: 'abandoned', abandoned_because: 'expired', finished_at: clock.iso() })
		.where('outcome', '=', 'pending')
		.where('started_at', '<', cutoff)
		.returning(['id', 'serial', 'certificate_id'])
		.execute();
	return async () => {
		for (const r of rows)
			await auditVoid(trx, { id: r.id, serial: r.serial, certificateId: r.certificate_id }, 'expired', null);
	};
}

/** Abandons one claim in a transaction of its own, once: if it is no longer pending, whoever closed it audited it. */
export async function abandonClaim(
	db: Db,
	claim: { id: string; serial: string; certificateId: string },
	because: AbandonReason,
	actorId: string,
	ip?: string
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const r = await trx
			.updateTable('certificate_corrections')
			.set({ outcome: 'abandoned', abandoned_because: because, finished_at: clock.iso() })
			.where('id', '=', claim.id)
			.where('outcome', '=', 'pending')
			.executeTakeFirst();
		if (one(r)) await auditVoid(trx, claim, because, actorId, ip);
	});
}

function auditVoid(
	trx: Tx,
	claim: { id: string; serial: string; certificateId: string },
	because: AbandonReason,
	actorId: string | null,
	ip?: string
) {
	return audit(trx, {
		actorId,
		action: 'certificate.serial_void',
		targetType: 'certificate',
		targetId: claim.certificateId,
		ip,
		details: { serial: claim.serial, correction: claim.id, because }
	});
}

/** The corrections of a certificate and the one that produced it, oldest first, for its admin page. */
export async function correctionsOf(db: Db, certificate: { id: string; serial: string }) {
	const rows = await db
		.selectFrom('certificate_corrections as k')
		.innerJoin('users as u', 'u.id', 'k.created_by')
		.select([
			'k.id',
			'k.certificate_id',
			'k.serial',
			'k.reason',
			'k.changes_json',
			'k.started_at',
			'k.finished_at',
			'k.outcome',
			'k.abandoned_because',
			'u.name as by'
		])
		.where((eb) => eb.or([eb('k.certificate_id', '=', certificate.id), eb('k.serial', '=', certificate.serial)]))
		.orderBy('k.started_at')
		.execute();
	return rows.map(({ changes_json, certificate_id, ...r }) => ({
		...r,
		producedThis: certificate_id !== certificate.id,
		changes: JSON.parse(changes_json) as FactChange[]
	}));
}
