import { sha256Hex } from '../ids';
import { clock } from '../clock';
import type { Db, Tx } from '../db';
import type { AuditLogTable } from '../db/schema';

export interface AuditEntry {
	actorId: string | null;
	action: string;
	targetType?: string | null;
	targetId?: string | null;
	outcome?: 'success' | 'failure' | 'denied';
	ip?: string | null;
	/** Ids and event facts only: never names, case numbers, tokens or passwords. */
	details?: Record<string, string | number | boolean | null>;
}

type Row = Omit<AuditLogTable, 'hash'>;

/** The text each entry's hash is taken over: the previous hash and every field, in a fixed order. */
export function entryDigest(row: Row): string {
	return sha256Hex(
		JSON.stringify([
			row.prev_hash,
			row.seq,
			row.at,
			row.actor_id,
			row.action,
			row.target_type,
			row.target_id,
			row.outcome,
			row.ip,
			row.details_json
		])
	);
}

/**
 * Appends one entry. Call it inside the transaction of the change it records, so that the change
 * and its audit entry commit or fail together.
 */
export async function audit(trx: Tx, entry: AuditEntry): Promise<void> {
	// Updating the single head row first takes its row lock on PostgreSQL (SQLite serialises
	// writers anyway), so no two transactions can chain onto the same predecessor.
	const head = await trx
		.updateTable('audit_head')
		.set((eb) => ({ seq: eb('seq', '+', 1) }))
		.where('id', '=', 1)
		.returning(['seq', 'hash'])
		.executeTakeFirstOrThrow();
	const row: Row = {
		seq: Number(head.seq),
		at: clock.iso(),
		actor_id: entry.actorId,
		action: entry.action,
		target_type: entry.targetType ?? null,
		target_id: entry.targetId ?? null,
		outcome: entry.outcome ?? 'success',
		ip: entry.ip ?? null,
		details_json: JSON.stringify(entry.details ?? {}),
		prev_hash: head.hash
	};
	const hash = entryDigest(row);
	await trx
		.insertInto('audit_log')
		.values({ ...row, hash })
		.execute();
	await trx.updateTable('audit_head').set({ hash }).where('id', '=', 1).execute();
}

/** Audit in a transaction of its own, for events that change nothing else (a view, a failed login). */
export async function auditAlone(db: Db, entry: AuditEntry): Promise<void> {
	await db.transaction().execute((trx) => audit(trx, entry));
}

export interface ChainReport {
	ok: boolean;
	entries: number;
	problems: { seq: number; problem: string }[];
}

export async function verifyAuditChain(db: Db, batch = 1000): Promise<ChainReport> {
	const problems: ChainReport['problems'] = [];
	let prevHash = '0'.repeat(64);
	let expectedSeq = 1;
	let entries = 0;
	for (;;) {
		const rows = await db
			.selectFrom('audit_log')
			.selectAll()
			.where('seq', '>=', expectedSeq)
			.orderBy('seq')
			.limit(batch)
			.execute();
		if (rows.length === 0) break;
		for (const raw of rows) {
			const r = { ...raw, seq: Number(raw.seq) };
			entries++;
			if (r.seq !== expectedSeq)
				problems.push({ seq: expectedSeq, problem: `entries ${expectedSeq}–${r.seq - 1} are missing` });
			if (r.prev_hash !== prevHash) problems.push({ seq: r.seq, problem: 'does not link to the entry before it' });
			const { hash, ...rest } = r;
			if (entryDigest(rest) !== hash)
				problems.push({ seq: r.seq, problem: 'content does not match its hash (altered)' });
			prevHash = hash;
			expectedSeq = r.seq + 1;
		}
	}
	const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
	if (head && (Number(head.seq) !== expectedSeq - 1 || head.hash !== prevHash)) {
		problems.push({ seq: Number(head.seq), problem: 'the newest entries were removed (head does not match)' });
	}
	return { ok: problems.length === 0, entries, problems };
}
