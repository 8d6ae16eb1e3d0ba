/**
 * Runs produceCertificate (render + both signatures, ~40–70 ms of CPU) and the court evidence
 * packet's render (~20–30 ms warm, up to ~80 ms; the first PDF in a thread also parses the fonts,
 * ~200 ms) in worker threads, so the event loop keeps answering other requests while a PDF is made.
 * A small pool (one worker on a 2-core machine, at most two) with a FIFO queue; workers start on
 * first use (or on warm()), are replaced if they die, and are unref'd while idle so they never keep
 * a process (CLI, tests) alive. There is no in-thread fallback: a worker that cannot start fails the
 * job loudly.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PacketFacts } from '../court/packet-facts';
import type { Produced, ProduceJob } from './produce';
import type { PacketSigning, WorkerJob, WorkerOutput, WorkerReply, WorkerRequest } from './produce.worker';

const POOL_SIZE = Math.min(2, Math.max(1, availableParallelism() - 1));
/** A job that takes this long means a stuck worker: it is ended and the job fails. */
const JOB_TIMEOUT_MS = 60_000;

interface Pending {
	id: number;
	job: WorkerJob;
	resolve(out: WorkerOutput): void;
	reject(err: Error): void;
	timer?: NodeJS.Timeout;
}

interface Slot {
	worker: Worker;
	current: Pending | null;
}

const slots: Slot[] = [];
const queue: Pending[] = [];
let starting = 0;
let nextId = 1;
let entry: Promise<{ url: URL; options: ConstructorParameters<typeof Worker>[1] }> | null = null;

/** Where the worker module is, and how to load it (TypeScript sources go through tsx). */
function workerEntry() {
	entry ??= import('./produce.worker').then(({ workerUrl, WORKER_ROLE }) => {
		const url = new URL(workerUrl);
		if (!/\.[cm]?ts$/.test(url.pathname)) return { url, options: { workerData: { role: WORKER_ROLE } } };
		return {
			url: new URL('./ts-worker.mjs', url),
			options: { workerData: { role: WORKER_ROLE, tsEntry: url.href } }
		};
	});
	return entry;
}

function settle(slot: Slot, result: { ok: true; out: WorkerOutput } | { ok: false; error: Error }) {
	const p = slot.current;
	if (!p) return;
	slot.current = null;
	clearTimeout(p.timer);
	slot.worker.unref();
	if (result.ok) p.resolve(result.out);
	else p.reject(result.error);
}

function retire(slot: Slot, error: Error) {
	const i = slots.indexOf(slot);
	if (i < 0) return; // already retired ('error' is followed by 'exit')
	slots.splice(i, 1);
	// A worker that fails with no job in hand (say, at start) would otherwise fail silently.
	if (!slot.current) console.error('[certificates] the certificate worker stopped:', error.message);
	settle(slot, { ok: false, error });
	dispatch();
}

async function spawn(): Promise<void> {
	starting++;
	try {
		const { url, options } = await workerEntry();
		const slot: Slot = { worker: new Worker(url, options), current: null };
		slot.worker.on('message', (m: WorkerReply) => {
			const p = slot.current;
			if (!p || p.id !== m.id) return;
			if (m.ok)
				settle(slot, {
					ok: true,
					out: { signature: m.signature, sha256: m.sha256, timestampedAt: m.timestampedAt, pdf: m.pdf }
				});
			else settle(slot, { ok: false, error: new Error(`certificate worker (${p.job.kind}): ${m.error}`) });
			dispatch();
		});
		slot.worker.on('error', (e) => retire(slot, e instanceof Error ? e : new Error(String(e))));
		slot.worker.on('exit', (code) => retire(slot, new Error(`certificate worker exited (code ${code})`)));
		// After the listeners: adding a 'message' listener refs the worker's port again.
		slot.worker.unref();
		slots.push(slot);
		// Jobs may have queued while it started (a warm-up in progress when the first one came).
		dispatch();
	} catch (e) {
		// Nothing could start: fail what is waiting rather than leave it hanging.
		for (const p of queue.splice(0)) p.reject(e instanceof Error ? e : new Error(String(e)));
		throw e;
	} finally {
		starting--;
	}
}

function dispatch(): void {
	for (const slot of slots) {
		if (slot.current || queue.length === 0) continue;
		const p = queue.shift()!;
		slot.current = p;
		slot.worker.ref(); // keep the process alive while a job is in flight
		p.timer = setTimeout(() => {
			void slot.worker.terminate();
			retire(slot, new Error(`certificate worker took longer than ${JOB_TIMEOUT_MS} ms`));
		}, JOB_TIMEOUT_MS);
		p.timer.unref();
		const msg: WorkerRequest = { id: p.id, ...p.job };
		slot.worker.postMessage(msg);
	}
	if (queue.length > 0 && slots.length + starting < POOL_SIZE) {
		spawn().catch((e) => console.error('[certificates] could not start the certificate worker', e));
	}
}

function run(job: WorkerJob): Promise<WorkerOutput> {
	return new Promise<WorkerOutput>((resolve, reject) => {
		queue.push({ id: nextId++, job, resolve, reject });
		dispatch();
	});
}

/** Render and sign a certificate in a worker thread. */
export async function produceInWorker(job: ProduceJob): Promise<Produced> {
	const out = await run({ kind: 'certificate', job });
	if (out.signature === undefined || out.sha256 === undefined)
		throw new Error('certificate worker: a certificate came back without its signature');
	return { signature: out.signature, sha256: out.sha256, pdf: out.pdf, timestampedAt: out.timestampedAt ?? null };
}

/** Render and sign a court evidence packet in a worker thread. */
export async function renderPacketInWorker(facts: PacketFacts, signing: PacketSigning): Promise<Buffer> {
	const out = await run({ kind: 'packet', facts, signing });
	return Buffer.from(out.pdf.buffer, out.pdf.byteOffset, out.pdf.byteLength);
}

/** Start a worker ahead of the first certificate (it loads its modules and parses the fonts). */
export async function warmCertificateWorker(): Promise<void> {
	if (slots.length + starting === 0) await spawn();
}
