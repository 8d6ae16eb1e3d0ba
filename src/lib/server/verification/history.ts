/**
 * A serial's place in its chain of corrections, as the registry shows it to a verifier: the
 * correction that produced it (from which serial, when, why, which facts), the one that replaced it,
 * and where the chain ends today (if A was replaced by B and B by C, A's holder learns that C is the
 * current certificate and whether C is valid or revoked).
 *
 * What is public here and what is not: the reason an admin gave and the NAMES of the facts that
 * changed are shown to anyone holding the serial and its code, like a revocation's reason, so a court
 * knows why the paper in hand was replaced. The old and new VALUES are not: a holder of A's code may
 * hold an old copy of a name or case number, but the corrected values are the participant's personal
 * data, which only staff with access to his record see (the admin's and the court's certificate
 * pages). The end of the chain is named by serial, status and revocation date only: its facts and its
 * revocation reason are for holders of its own code.
 */
import type { Db } from '../db';
import type { FactChange } from '../certificates/reissue-claims';

export interface CorrectionNote {
	/** the other serial: the one replaced, or the one that replaced */
	serial: string;
	correctedAt: string;
	/** empty after the retention purge removed it with the personal data */
	reason: string;
	changedFields: FactChange['field'][];
}

export interface CertificateHistory {
	replaces: CorrectionNote | null;
	replacedBy: CorrectionNote | null;
	/** for a superseded certificate: the newest certificate of its chain */
	current: { serial: string; status: 'valid' | 'revoked' | 'superseded'; revokedAt: string | null } | null;
}

/** More corrections than any record will see; the chain is acyclic by construction, this is a guard. */
export const MAX_CHAIN = 50;

const fields = (json: string) => (JSON.parse(json) as FactChange[]).map((x) => x.field);

export async function certificateHistory(
	db: Db,
	c: { id: string; serial: string; status: string; superseded_by: string | null }
): Promise<CertificateHistory> {
	const [made, replaced] = await Promise.all([
		db
			.selectFrom('certificate_corrections as k')
			.innerJoin('certificates as old', 'old.id', 'k.certificate_id')
			.select(['old.serial', 'k.finished_at', 'k.reason', 'k.changes_json'])
			.where('k.serial', '=', c.serial)
			.where('k.outcome', '=', 'issued')
			.executeTakeFirst(),
		c.status === 'superseded'
			? db
					.selectFrom('certificate_corrections')
					.select(['serial', 'finished_at', 'reason', 'changes_json'])
					.where('certificate_id', '=', c.id)
					.where('outcome', '=', 'issued')
					.executeTakeFirst()
			: Promise.resolve(undefined)
	]);
	const note = (k: {
		serial: string;
		finished_at: string | null;
		reason: string;
		changes_json: string;
	}): CorrectionNote => ({
		serial: k.serial,
		correctedAt: k.finished_at ?? '',
		reason: k.reason,
		changedFields: fields(k.changes_json)
	});
	return {
		replaces: made ? note(made) : null,
		replacedBy: replaced ? note(replaced) : null,
		current: c.status === 'superseded' ? await chainEnd(db, c) : null
	};
}

/** Follows superseded_by to the newest certificate; stops at MAX_CHAIN or at a serial seen before. */
export async function chainEnd(
	db: Db,
	start: { serial: string; superseded_by: string | null }
): Promise<CertificateHistory['current']> {
	const seen = new Set([start.serial]);
	let next = start.superseded_by;
	let end: CertificateHistory['current'] = null;
	for (let i = 0; next && i < MAX_CHAIN && !seen.has(next); i++) {
		seen.add(next);
		const row = await db
			.selectFrom('certificates')
			.select(['serial', 'status', 'revoked_at', 'superseded_by'])
			.where('serial', '=', next)
			.executeTakeFirst();
		if (!row) break;
		end = { serial: row.serial, status: row.status, revokedAt: row.revoked_at };
		next = row.status === 'superseded' ? row.superseded_by : null;
	}
	return end;
}
