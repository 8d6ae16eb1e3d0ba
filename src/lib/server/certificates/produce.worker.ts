/**
 * Worker-thread entry for the PDFs made with pdfkit and the embedded fonts (see worker-pool.ts):
 * certificates (produceCertificate: render and both signatures) and court evidence packets
 * (renderPacket, court/render-packet.ts). The pool imports this module on the
 * main thread only to learn its URL: `import.meta.url` is this file under vitest/tsx and the bundled
 * chunk that holds it after `vite build`, so the same line finds the worker in both. Hence the
 * renderer (pdfkit, fontkit, fonts) is imported only inside the worker, on demand: the main thread
 * never loads it (that load alone held the event loop for ~150 ms).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PacketFacts } from '../court/packet-facts';
import type { ProduceJob } from './produce';
import type { PdfSignatureInfo, PdfSigningMaterial } from './sign';

/** How a packet is signed: the same PDF signature as a certificate's (sign.ts signPdf: PAdES, DSS, time-stamp). */
export interface PacketSigning {
	material: PdfSigningMaterial;
	info: PdfSignatureInfo;
}

export const WORKER_ROLE = 'john-school:certificate-producer';
export const workerUrl = import.meta.url;

export type WorkerJob =
	{ kind: 'certificate'; job: ProduceJob } | { kind: 'packet'; facts: PacketFacts; signing: PacketSigning };
export type WorkerRequest = { id: number } & WorkerJob;
/** A certificate comes back with its signature and hash; a packet as its bytes alone. */
export type WorkerOutput = { pdf: Uint8Array; signature?: string; sha256?: string; timestampedAt?: string | null };
export type WorkerReply = ({ id: number; ok: true } & WorkerOutput) | { id: number; ok: false; error: string };

const port = parentPort;
if (!isMainThread && port && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
	// Warm up at start (modules loaded, fonts parsed), before the first job waits for it.
	const ready = Promise.all([
		import('./produce'),
		import('../court/render-packet'),
		import('./fonts'),
		import('./sign')
	]).then(([produce, packet, fonts, sign]) => {
		fonts.certificateFonts();
		return { produceCertificate: produce.produceCertificate, renderPacket: packet.renderPacket, signPdf: sign.signPdf };
	});
	port.on('message', async (msg: WorkerRequest) => {
		let reply: WorkerReply;
		try {
			const run = await ready;
			if (msg.kind === 'packet') {
				const unsigned = await run.renderPacket(msg.facts);
				const signed = await run.signPdf(unsigned, msg.signing.material, msg.signing.info);
				// A copy with its own ArrayBuffer, so it can be transferred rather than cloned.
				reply = { id: msg.id, ok: true, pdf: new Uint8Array(signed) };
			} else {
				const out = await run.produceCertificate(msg.job);
				reply = {
					id: msg.id,
					ok: true,
					signature: out.signature,
					sha256: out.sha256,
					timestampedAt: out.timestampedAt,
					pdf: new Uint8Array(out.pdf)
				};
			}
		} catch (e) {
			reply = { id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
		}
		port.postMessage(reply, reply.ok ? [reply.pdf.buffer as ArrayBuffer] : []);
	});
}
