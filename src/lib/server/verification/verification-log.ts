/**
 * The verification log ("each verification is logged: time, outcome, who if logged in"), written by
 * group commit: the rows of every verification that reaches this point in the same turn of the event
 * loop go into the database as one multi-row INSERT, and each caller waits until that statement has
 * committed. So an answered verification is always logged (nothing is buffered past the answer, and
 * nothing is lost at shutdown or in a crash), but under load one commit, one fsync with SQLite's
 * synchronous=FULL (~0.5 ms on these disks, on the event loop), serves many verifications instead
 * of one each: that fsync per request was most of the verification API's cost.
 *
 * The log is a hash chain, as the audit log is (audit/audit.ts): each row carries its position
 * (seq), the hash of the row before it and its own hash over a fixed canonical form. A batch takes
 * its positions by updating the single head row first, in the transaction that inserts it: on
 * PostgreSQL that row lock makes a second server process wait for this batch to commit before it
 * chains onto it; SQLite serialises writers anyway. So the chain order is the commit order, and
 * within a batch the order the verifications arrived in.
 */
import type { Db } from '../db';
import type { VerificationLogTable } from '../db/schema';
import { sha256Hex } from '../ids';

export type LogRow = Omit<VerificationLogTable, 'seq' | 'prev_hash' | 'hash'>;
type Chained = VerificationLogTable;

const GENESIS = '0'.repeat(64);

/**
 * The text each row's hash is taken over: the previous hash and every field, in a fixed order.
 * Migration 0021 chained the rows already logged with this same form: keep the two identical.
 */
export function verificationDigest(r: Omit<Chained, 'hash'>): string {
	return sha256Hex(
		JSON.stringify([r.prev_hash, r.seq, r.id, r.at, r.method, r.serial, r.certificate_id, r.outcome, r.user_id])
	);
}

interface Waiting {
	row: LogRow;
	resolve(): void;
	reject(err: unknown): void;
}

interface Queue {
	waiting: Waiting[];
	/** a flush is scheduled or running; rows that arrive meanwhile go into the next one */
	busy: boolean;
}

/** 10 columns × 200 rows stays far below SQLite's and PostgreSQL's bound-parameter limits. */
const MAX_BATCH = 200;
const queues = new WeakMap<Db, Queue>();

/** Appends one row; resolves once it is committed (together with whatever else came in meanwhile). */
export function logVerification(db: Db, row: LogRow): Promise<void> {
	let q = queues.get(db);
	if (!q) queues.set(db, (q = { waiting: [], busy: false }));
	const queue = q;
	return new Promise<void>((resolve, reject) => {
		queue.waiting.push({ row, resolve, reject });
		if (!queue.busy) {
			queue.busy = true;
			setImmediate(() => void flush(db, queue));
		}
	});
}

/** One transaction: take the next positions from the head, insert the rows chained, move the head. */
async function append(db: Db, rows: LogRow[]): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const head = await trx
			.updateTable('verification_log_head')
			.set((eb) => ({ seq: eb('seq', '+', rows.length) }))
			.where('id', '=', 1)
			.returning(['seq', 'hash'])
			.executeTakeFirstOrThrow();
		let seq = Number(head.seq) - rows.length;
		let prev = head.hash;
		const chained = rows.map((r) => {
			const row = { ...r, seq: ++seq, prev_hash: prev };
			prev = verificationDigest(row);
			return { ...row, hash: prev };
		});
		await trx.insertInto('verification_log').values(chained).execute();
		await trx.updateTable('verification_log_head').set({ hash: prev }).where('id', '=', 1).execute();
	});
}

async function flush(db: Db, q: Queue): Promise<void> {
	while (q.waiting.length) {
		const batch = q.waiting.splice(0, MAX_BATCH);
		try {
			await append(
				db,
				batch.map((w) => w.row)
			);
			batch.forEach((w) => w.resolve());
		} catch {
			// One bad row (say, a user deleted meanwhile) must not cost the others their log entry:
			// the batch rolled back whole (head included), so each goes in alone, chained in turn.
			for (const w of batch) {
				try {
					await append(db, [w.row]);
					w.resolve();
				} catch (e) {
					w.reject(e);
				}
			}
		}
		// Let the requests that arrived during this commit join the next batch.
		if (q.waiting.length) await new Promise((r) => setImmediate(r));
	}
	q.busy = false;
}

export interface VerificationChainReport {
	ok: boolean;
	entries: number;
	/** in chain order: problems[0] is the first broken row */
	problems: { seq: number; problem: string }[];
}

/** Walks the verification log from its first row, as verifyAuditChain walks the audit log. */
export async function verifyVerificationChain(db: Db, batch = 1000): Promise<VerificationChainReport> {
	const problems: VerificationChainReport['problems'] = [];
	let prevHash = GENESIS;
	let expectedSeq = 1;
	let entries = 0;
	for (;;) {
		const rows = await db
			.selectFrom('verification_log')
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
				problems.push({ seq: expectedSeq, problem: `rows ${expectedSeq}–${r.seq - 1} are missing (deleted)` });
			if (r.prev_hash !== prevHash)
				problems.push({
					seq: r.seq,
					problem: 'does not link to the row before it (a row before it was changed, removed or inserted)'
				});
			const { hash, ...rest } = r;
			if (verificationDigest(rest) !== hash)
				problems.push({ seq: r.seq, problem: 'content does not match its hash (altered)' });
			prevHash = hash;
			expectedSeq = r.seq + 1;
		}
	}
	// A row with no position cannot have been written by logVerification: inserted by hand.
	const loose = await db
		.selectFrom('verification_log')
		.select('id')
		.where('seq', 'is', null)
		.limit(1)
		.executeTakeFirst();
	if (loose) problems.push({ seq: 0, problem: `a row without a chain position (id ${loose.id}) was inserted` });
	const head = await db
		.selectFrom('verification_log_head')
		.select(['seq', 'hash'])
		.where('id', '=', 1)
		.executeTakeFirst();
	const last = expectedSeq - 1;
	if (head && (Number(head.seq) !== last || head.hash !== prevHash)) {
		const h = Number(head.seq);
		if (h < last)
			problems.push({ seq: h + 1, problem: 'inserted after the newest row the log wrote (the head does not match)' });
		else if (h > last)
			problems.push({
				seq: last + 1,
				problem: `the newest rows (${last + 1}–${h}) were removed (the head does not match)`
			});
		else problems.push({ seq: last, problem: 'the newest row was replaced (the head does not match)' });
	}
	problems.sort((a, b) => a.seq - b.seq);
	return { ok: problems.length === 0, entries, problems };
}
