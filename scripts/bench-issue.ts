// Times certificate issuing work (render + Ed25519 + PDF signature, PAdES with its RFC 3161
// time-stamp from a local TSA, scripts/test-tsa.mjs, in a process of its own) on warm keys, the way
// the server does it (in the worker thread, worker-pool.ts) and, for comparison, on the main thread;
// and how long the main thread's event loop is held meanwhile. Used by scripts/bench.mjs; prints one
// JSON line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CertificateFacts } from '../src/lib/domain/certificate-facts';
import { generateKeys, loadKeys } from '../src/lib/server/certificates/keys-folder';
import { fetchTimestamp } from '../src/lib/server/certificates/tsa';
import { pemToDer } from '../src/lib/server/certificates/x509';
import { spawnTestTsa } from './test-tsa.mjs';
import { produceCertificate, type ProduceJob } from '../src/lib/server/certificates/produce';
import { produceInWorker, warmCertificateWorker } from '../src/lib/server/certificates/worker-pool';

const dir = join(mkdtempSync(join(tmpdir(), 'bench-keys-')), 'keys');
generateKeys(dir, { programName: 'Bench Program' });
const keys = loadKeys(dir);
const tsaProcess = await spawnTestTsa();
const tsa = {
	url: tsaProcess.url as string,
	timeoutMs: 10_000,
	trustedCaDer: [pemToDer(readFileSync(tsaProcess.caFile, 'utf8'))]
};
let untimestamped = 0;
const job = (n: number, withTsa = true): ProduceJob => {
	const facts: CertificateFacts = {
		v: 1,
		serial: `RC-2026-${String(n).padStart(6, '0')}`,
		program: 'Offenders Prostitution Program (John School)',
		provider: 'Breaking Free',
		participantName: 'Bench Participant Nguyễn',
		dateOfBirth: '1980-01-01',
		court: 'Ramsey County District Court (Second Judicial District)',
		caseNumber: '62-CR-26-0001',
		offence: null,
		curriculumVersion: '2026.1',
		completedAt: '2026-11-22',
		seatSeconds: 29_000,
		attestation: { name: 'Bench Participant Nguyễn', signedAt: '2026-11-22T15:00:00.000Z' },
		signedOffBy: 'Bench Facilitator',
		issuedAt: '2026-11-22T16:00:00.000Z',
		keyId: keys.ed25519.keyId
	};
	return {
		facts,
		code: 'abcdefghijklmnopqrstuvwxyz',
		verifyUrl: `https://example.org/verify/${facts.serial}?code=abcdefghijklmnopqrstuvwxyz`,
		ed25519PrivateKey: keys.ed25519.privateKey,
		signing: {
			p12: keys.pdf.p12,
			passphrase: keys.pdf.passphrase,
			crlDer: keys.crl?.der ?? null,
			tsa: withTsa ? tsa : null
		},
		pdfSignature: { reason: 'bench', name: 'bench', location: 'bench', contactInfo: 'bench' }
	};
};

const round = (x: number) => +x.toFixed(1);
const n = 30;

/** n certificates one after another: wall time per certificate, and the main thread's longest stall. */
async function measure(produce: (j: ProduceJob) => Promise<unknown>, withTsa = true) {
	for (let i = 0; i < 5; i++) await produce(job(i, withTsa)); // warm up
	const times: number[] = [];
	const loop = monitorEventLoopDelay({ resolution: 2 });
	const elu = performance.eventLoopUtilization();
	loop.enable();
	for (let i = 0; i < n; i++) {
		const t = performance.now();
		const out = (await produce(job(100 + i, withTsa))) as { timestampedAt: string | null };
		if (withTsa && !out.timestampedAt) untimestamped++;
		times.push(performance.now() - t);
	}
	loop.disable();
	const busy = performance.eventLoopUtilization(elu).active;
	times.sort((a, b) => a - b);
	const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
	return {
		p50: round(pct(50)),
		p99: round(pct(99)),
		maxStallMs: round(loop.max / 1e6),
		mainThreadMsPerCertificate: round(busy / n)
	};
}

/** The same stall measure on an idle loop: the noise floor of a shared machine. */
async function idleStall(ms: number) {
	const loop = monitorEventLoopDelay({ resolution: 2 });
	loop.enable();
	await new Promise((r) => setTimeout(r, ms));
	loop.disable();
	return round(loop.max / 1e6);
}

/** The TSA round trip alone (request, openssl ts -reply, the checks), for the share of an issue it takes. */
async function tsaRoundTrip() {
	const times: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = performance.now();
		await fetchTimestamp(tsa, new Uint8Array([i]));
		times.push(performance.now() - t);
	}
	times.sort((a, b) => a - b);
	return { p50: round(times[Math.floor(n / 2)]), p99: round(times[n - 1]) };
}

try {
	await warmCertificateWorker();
	const worker = await measure(produceInWorker);
	const mainThread = await measure(produceCertificate);
	// The same work without the time-stamp, in the same minute of this machine: what the TSA adds.
	const workerWithoutTsa = await measure(produceInWorker, false);
	const timestamp = await tsaRoundTrip();
	const idle = await idleStall(2000);
	console.log(
		JSON.stringify({ issues: n, worker, mainThread, workerWithoutTsa, timestamp, untimestamped, idleMaxStallMs: idle })
	);
} finally {
	await tsaProcess.close();
}
