/**
 * Worker-thread entry for produceCertificate (see worker-pool.ts). The pool imports this module on the
 * main thread only to learn its URL: `import.meta.url` is this file under vitest/tsx and the bundled
 * chunk that holds it after `vite build`, so the same line finds the worker in both. Hence the
 * renderer (pdfkit, fontkit, fonts) is imported only inside the worker, on demand: the main thread
 * never loads it (that load alone held the event loop for ~150 ms).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Produced, ProduceJob } from './produce';

export const WORKER_ROLE = 'john-school:certificate-producer';
export const workerUrl = import.meta.url;

export type WorkerRequest = { id: number; job: ProduceJob };
export type WorkerReply =
	| { id: number; ok: true; signature: string; pdf: Uint8Array; sha256: string }
	| { id: number; ok: false; error: string };

const port = parentPort;
if (!isMainThread && port && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
	// Warm up at start (modules loaded, fonts parsed), before the first certificate waits for it.
	const ready = Promise.all([import('./produce'), import('./fonts')]).then(([produce, fonts]) => {
		fonts.certificateFonts();
		return produce.produceCertificate;
	});
	port.on('message', async ({ id, job }: WorkerRequest) => {
		let reply: WorkerReply;
		try {
			const out: Produced = await (await ready)(job);
			// A copy with its own ArrayBuffer, so it can be transferred rather than cloned.
			reply = { id, ok: true, signature: out.signature, sha256: out.sha256, pdf: new Uint8Array(out.pdf) };
		} catch (e) {
			reply = { id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
		}
		port.postMessage(reply, reply.ok ? [reply.pdf.buffer as ArrayBuffer] : []);
	});
}
