// SQLite runs with synchronous=FULL (./index.ts): every commit waits for the disk, and better-sqlite3
// waits on the event loop's own thread. One commit per heartbeat would make the disk's flush rate the
// ceiling of every participant's heartbeats together (scripts/bench-pages.mjs measures it). Small
// writes that arrive together are committed together instead: each runs its own statements, in
// order of arrival, in one transaction, and hears back only once that transaction has committed, so
// nothing is acknowledged that a power cut could take back. PostgreSQL commits concurrently on its
// own connections: there each write is simply its own transaction.
import { SqliteAdapter } from 'kysely';
import type { Db } from './index';

interface Pending {
	work: (trx: Db) => Promise<unknown>;
	resolve: (value: unknown) => void;
	reject: (reason: unknown) => void;
}
interface Queue {
	pending: Pending[];
	flushing: boolean;
}

const queues = new WeakMap<Db, Queue>();
// A bound on how long one commit holds SQLite's only connection while other requests wait for it.
const MAX_BATCH = 64;

/**
 * `work` in a transaction: on SQLite, the same transaction as the other writes that arrived with it.
 * `single`: the work is one statement, which PostgreSQL then runs without a transaction of its own.
 */
export function groupCommit<T>(db: Db, work: (trx: Db) => Promise<T>, opts: { single?: boolean } = {}): Promise<T> {
	if (!(db.getExecutor().adapter instanceof SqliteAdapter))
		return opts.single ? work(db) : db.transaction().execute(work);
	let q = queues.get(db);
	if (!q) queues.set(db, (q = { pending: [], flushing: false }));
	const queue = q;
	return new Promise<T>((resolve, reject) => {
		queue.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
		if (!queue.flushing) {
			queue.flushing = true;
			// One turn of the event loop: the requests already read and parsed join this commit.
			setImmediate(() => void flush(db, queue));
		}
	});
}

async function flush(db: Db, queue: Queue): Promise<void> {
	try {
		while (queue.pending.length) {
			const batch = queue.pending.splice(0, MAX_BATCH);
			let results: unknown[] | undefined;
			try {
				results = await db.transaction().execute(async (trx) => {
					const out: unknown[] = [];
					for (const p of batch) out.push(await p.work(trx));
					return out;
				});
			} catch {
				results = undefined;
			}
			if (results) {
				batch.forEach((p, i) => p.resolve(results[i]));
				continue;
			}
			// The whole batch was rolled back: each write again on its own, so one that fails fails alone.
			for (const p of batch) {
				try {
					p.resolve(await db.transaction().execute(p.work));
				} catch (e) {
					p.reject(e);
				}
			}
		}
	} finally {
		queue.flushing = false;
	}
}
