/**
 * The verification log ("each verification is logged: time, outcome, who if logged in"), written by
 * group commit: the rows of every verification that reaches this point in the same turn of the event
 * loop go into the database as one multi-row INSERT, and each caller waits until that statement has
 * committed. So an answered verification is always logged (nothing is buffered past the answer, and
 * nothing is lost at shutdown or in a crash), but under load one commit, one fsync with SQLite's
 * synchronous=FULL (~0.5 ms on these disks, on the event loop), serves many verifications instead
 * of one each: that fsync per request was most of the verification API's cost.
 */
import type { Insertable } from 'kysely';
import type { Db } from '../db';
import type { VerificationLogTable } from '../db/schema';

type Row = Insertable<VerificationLogTable>;

interface Waiting {
	row: Row;
	resolve(): void;
	reject(err: unknown): void;
}

interface Queue {
	waiting: Waiting[];
	/** a flush is scheduled or running; rows that arrive meanwhile go into the next one */
	busy: boolean;
}

/** 7 columns × 200 rows stays far below SQLite's and PostgreSQL's bound-parameter limits. */
const MAX_BATCH = 200;
const queues = new WeakMap<Db, Queue>();

/** Appends one row; resolves once it is committed (together with whatever else came in meanwhile). */
export function logVerification(db: Db, row: Row): Promise<void> {
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

async function flush(db: Db, q: Queue): Promise<void> {
	while (q.waiting.length) {
		const batch = q.waiting.splice(0, MAX_BATCH);
		try {
			await db.insertInto('verification_log').values(batch.map((w) => w.row)).execute();
			batch.forEach((w) => w.resolve());
		} catch {
			// One bad row (say, a user deleted meanwhile) must not cost the others their log entry.
			for (const w of batch) {
				try {
					await db.insertInto('verification_log').values(w.row).execute();
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
