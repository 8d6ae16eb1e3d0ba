/**
 * Worker-thread entry of the PDF reader (pdf-reader-pool.ts), loaded the way the certificate worker
 * is (certificates/produce.worker.ts): the pool imports this module on the main thread only to learn
 * its URL, and pdf-lib with its limits (pdf-reader.ts) is imported only inside the worker.
 *
 * Nothing a file makes pdf-lib say may reach the server log (pdf-lib warns as it recovers from broken
 * objects, quoting positions and values from the file): the console and the thread's stdout and
 * stderr are silenced here, and the pool gives the thread streams of its own that it never reads.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ReadLimits, ReadOutcome } from './pdf-reader';

export const WORKER_ROLE = 'john-school:pdf-reader';
export const workerUrl = import.meta.url;

export type ReaderRequest = { id: number; bytes: Uint8Array; limits: ReadLimits };
/** First message: the thread is ready (its limits checked), or could not start. Then one reply per request. */
export type ReaderMessage = { ready: true } | { ready: false; error: string } | ({ id: number } & ReadOutcome);

const port = parentPort;
if (!isMainThread && port && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
	for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const) console[k] = () => {};
	process.stdout.write = process.stderr.write = () => true;
	lowerPriority();
	void import('./pdf-reader').then(
		async (reader) => {
			try {
				await reader.selfTest();
			} catch (e) {
				port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) } satisfies ReaderMessage);
				return;
			}
			port.on('message', async (msg: ReaderRequest) => {
				const out = await reader.readInfo(msg.bytes, msg.limits);
				port.postMessage({ id: msg.id, ...out } satisfies ReaderMessage);
			});
			port.postMessage({ ready: true } satisfies ReaderMessage);
		},
		(e: unknown) =>
			port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) } satisfies ReaderMessage)
	);
}

/**
 * On Linux, a lower scheduling priority (nice 10) for this thread alone: on a machine with two cores,
 * a file being parsed here must not take CPU time from the server's event loop. Not 19: on a busy
 * machine that starved the thread so much that files hit the 2 s limit (pdf-reader-pool.ts) unread.
 */
function lowerPriority(): void {
	try {
		setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
	} catch {
		// Not Linux, or not allowed: the thread runs at normal priority.
	}
}
