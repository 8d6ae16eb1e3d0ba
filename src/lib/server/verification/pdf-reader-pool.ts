/**
 * Reads an uploaded PDF's title and keywords in a worker thread (pdf-reader.worker.ts), for the files
 * the byte scan (pdf-info-scan.ts) could not read, so the event loop never parses an upload. Built like
 * the certificate worker pool (certificates/worker-pool.ts, whose ts-worker.mjs it shares), with hard
 * limits on top of those pdf-reader.ts puts on pdf-lib:
 *   - a wall-clock limit per file, counted from when the thread is ready: past it the thread is ended
 *     (terminate() stops even a tight loop) and a new one starts for the next file;
 *   - resourceLimits on the thread's heap: a file that fills it ends the thread, not the server;
 *   - one thread and at most MAX_WAITING files waiting: beyond that the answer is "busy";
 *   - a lower CPU priority for the thread (pdf-reader.worker.ts), and its end after IDLE_MS idle.
 * Every outcome is a value (never a rejection). The thread is unref'd while idle, so it never keeps a
 * process (the CLI, a test) alive.
 */
import { Worker } from 'node:worker_threads';
import type { LimitReason, ReadLimits } from './pdf-reader';
import type { ReaderMessage, ReaderRequest } from './pdf-reader.worker';

/**
 * A genuine certificate has about 50 objects and 550 values, and no compressed stream that load()
 * decodes: these leave two hundred times that, while a bomb stops after 8 MiB.
 */
export const READ_LIMITS: ReadLimits = { maxInflatedBytes: 8 * 1024 * 1024, maxObjects: 10_000, maxValues: 100_000 };
/** Within the limits above a file takes well under half a second, even on a busy machine. */
export const TIME_LIMIT_MS = 2_000;
/** A genuine file needs a few MB of heap here; a thread that reaches this is ended. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8, stackSizeMb: 4 };
const MAX_WAITING = 8;
/** An idle thread is ended after this long, giving its memory back; the next file starts a new one. */
const IDLE_MS = 30_000;

export type ReaderResult =
	| { ok: true; title: string | null; keywords: string | null }
	| { ok: false; reason: LimitReason | 'time_limit' | 'memory_limit' | 'busy' | 'unavailable' };

export interface ReadOptions {
	limits?: Partial<ReadLimits>;
	timeLimitMs?: number;
}

interface Job {
	id: number;
	bytes: Uint8Array;
	limits: ReadLimits;
	timeLimitMs: number;
	resolve(r: ReaderResult): void;
}

interface Thread {
	worker: Worker;
	ready: boolean;
	current: Job | null;
	timer?: NodeJS.Timeout;
	idle?: NodeJS.Timeout;
}

let thread: Thread | null = null;
let starting: Promise<void> | null = null;
const queue: Job[] = [];
let nextId = 1;
let entry: Promise<{ url: URL; options: ConstructorParameters<typeof Worker>[1] }> | null = null;

/** Where the worker module is, and how to load it (TypeScript sources go through tsx, as for certificates). */
function workerEntry() {
	entry ??= import('./pdf-reader.worker').then(({ workerUrl, WORKER_ROLE }) => {
		const url = new URL(workerUrl);
		// Its own stdout and stderr, never read: nothing the thread writes can reach the server's log
		// (see pdf-reader.worker.ts). Reading them would also keep the process alive (they ref the port).
		const common = { stdout: true, stderr: true, resourceLimits: RESOURCE_LIMITS };
		if (!/\.[cm]?ts$/.test(url.pathname)) return { url, options: { ...common, workerData: { role: WORKER_ROLE } } };
		return {
			url: new URL('../certificates/ts-worker.mjs', url),
			options: { ...common, workerData: { role: WORKER_ROLE, tsEntry: url.href } }
		};
	});
	return entry;
}

/** Ends a thread's job (if any) with `result` and forgets the thread; the next job starts a new one. */
function retire(t: Thread, result: ReaderResult | null, note?: string) {
	if (thread !== t) return; // already retired ('error' is followed by 'exit')
	thread = null;
	clearTimeout(t.timer);
	clearTimeout(t.idle);
	const job = t.current;
	t.current = null;
	void t.worker.terminate();
	// One line, naming the event and never the file.
	if (note) console.error(`[verification] ${note}`);
	if (job) job.resolve(result ?? { ok: false, reason: 'unavailable' });
	if (!t.ready) for (const j of queue.splice(0)) j.resolve({ ok: false, reason: 'unavailable' }); // it could not start: do not retry in a loop
	dispatch();
}

async function start(): Promise<void> {
	const { url, options } = await workerEntry();
	const t: Thread = { worker: new Worker(url, options), ready: false, current: null };
	thread = t;
	t.worker.on('message', (m: ReaderMessage) => {
		if ('ready' in m) {
			if (m.ready) {
				t.ready = true;
				dispatch();
			} else retire(t, null, `the PDF reader thread could not start: ${m.error}`);
			return;
		}
		const job = t.current;
		if (!job || job.id !== m.id) return;
		clearTimeout(t.timer);
		t.current = null;
		holdWhileBusy(t);
		job.resolve(m.ok ? { ok: true, title: m.title, keywords: m.keywords } : { ok: false, reason: m.reason });
		dispatch();
	});
	t.worker.on('error', (e: NodeJS.ErrnoException) => {
		if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
			retire(
				t,
				{ ok: false, reason: 'memory_limit' },
				"an uploaded PDF filled the PDF reader thread's memory limit; the thread was ended and is replaced"
			);
		// The code only: a message could quote the file.
		else retire(t, null, `the PDF reader thread failed (${e.code ?? e.name}); it is replaced`);
	});
	t.worker.on('exit', () => retire(t, null));
	// After the listeners: adding a 'message' listener refs the worker's port again.
	holdWhileBusy(t);
}

/**
 * Keeps the process alive while a file is read or waits (for the thread to start, too), never when
 * idle; an idle thread is ended after IDLE_MS.
 */
function holdWhileBusy(t: Thread): void {
	clearTimeout(t.idle);
	if (t.current || queue.length > 0) return void t.worker.ref();
	t.worker.unref();
	t.idle = setTimeout(() => retire(t, null), IDLE_MS);
	t.idle.unref();
}

function dispatch(): void {
	if (queue.length === 0) return;
	if (!thread) {
		starting ??= start()
			.catch((e) => {
				console.error('[verification] could not start the PDF reader thread:', e instanceof Error ? e.message : e);
				for (const j of queue.splice(0)) j.resolve({ ok: false, reason: 'unavailable' });
			})
			.finally(() => (starting = null));
		return;
	}
	const t = thread;
	if (!t.ready || t.current) return;
	const job = queue.shift()!;
	t.current = job;
	holdWhileBusy(t);
	t.timer = setTimeout(
		() =>
			retire(
				t,
				{ ok: false, reason: 'time_limit' },
				`an uploaded PDF reached the PDF reader's time limit (${job.timeLimitMs} ms); the thread was ended and is replaced`
			),
		job.timeLimitMs
	);
	t.timer.unref();
	const msg: ReaderRequest = { id: job.id, bytes: job.bytes, limits: job.limits };
	t.worker.postMessage(msg, [job.bytes.buffer as ArrayBuffer]);
}

/** The title and keywords of an uploaded PDF, read in the reader thread under its limits. */
export function readPdfInfo(bytes: Uint8Array, options: ReadOptions = {}): Promise<ReaderResult> {
	if (queue.length >= MAX_WAITING) return Promise.resolve({ ok: false, reason: 'busy' });
	return new Promise<ReaderResult>((resolve) => {
		// A copy with its own ArrayBuffer, moved (not cloned) to the thread.
		queue.push({
			id: nextId++,
			bytes: new Uint8Array(bytes),
			limits: { ...READ_LIMITS, ...options.limits },
			timeLimitMs: options.timeLimitMs ?? TIME_LIMIT_MS,
			resolve
		});
		dispatch();
	});
}

/** Ends the reader thread and waits for it to exit (all it wrote is then delivered). For tests and shutdown. */
export async function closePdfReader(): Promise<void> {
	await starting;
	const t = thread;
	if (!t) return;
	const exited = new Promise((r) => t.worker.once('exit', r));
	retire(t, { ok: false, reason: 'unavailable' });
	await exited;
}
