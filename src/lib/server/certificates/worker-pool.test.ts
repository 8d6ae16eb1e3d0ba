// Issuing runs render + signatures in a worker thread (worker-pool.ts), never on the calling one: same bytes as on the main
// thread, jobs queue while the worker starts, failures come back as errors, and an idle worker never
// keeps a process (the CLI) alive.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateFacts } from '../../domain/certificate-facts';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { produceCertificate, type ProduceJob } from './produce';
import { verifyFacts } from './sign';
import { produceInWorker, warmCertificateWorker } from './worker-pool';

// Counts renders on this thread: the worker has a module graph of its own, so it never reaches this.
const mainThreadRenders = vi.hoisted(() => ({ n: 0 }));
vi.mock('./produce', async (load) => {
	const actual = await load<typeof import('./produce')>();
	return {
		...actual,
		produceCertificate: (job: import('./produce').ProduceJob) => {
			mainThreadRenders.n++;
			return actual.produceCertificate(job);
		}
	};
});

const tmp = mkdtempSync(join(tmpdir(), 'js-pool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let keys: LoadedKeys;
beforeAll(() => {
	generateKeys(join(tmp, 'keys'), { programName: 'Pool Test Program' });
	keys = loadKeys(join(tmp, 'keys'));
});

function job(n: number, over: Partial<ProduceJob> = {}): ProduceJob {
	const facts: CertificateFacts = {
		v: 1,
		serial: `PT-2026-${String(n).padStart(6, '0')}`,
		program: 'Pool Test Program',
		provider: 'Test Provider',
		participantName: 'Đặng Thị Hương',
		dateOfBirth: '1988-08-08',
		court: 'Test District Court',
		caseNumber: `62-CR-26-${n}`,
		offence: null,
		curriculumVersion: '1.0',
		completedAt: '2026-06-01',
		seatSeconds: 28_800,
		attestation: { name: 'Đặng Thị Hương', signedAt: '2026-06-01T15:00:00.000Z' },
		signedOffBy: 'Test Facilitator',
		issuedAt: '2026-06-01T16:00:00.000Z',
		keyId: keys.ed25519.keyId
	};
	return {
		facts,
		code: 'abcdefghijklmnopqrstuvwxyz',
		verifyUrl: `https://johnschool.test/verify/${facts.serial}?code=abcdefghijklmnopqrstuvwxyz`,
		ed25519PrivateKey: keys.ed25519.privateKey,
		signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase },
		pdfSignature: {
			reason: 'test',
			name: 'Test Provider',
			location: 'Pool Test Program',
			contactInfo: 'https://johnschool.test',
			signingTime: new Date(facts.issuedAt)
		},
		...over
	};
}

describe('the certificate worker', () => {
	it('reports a failed job as an error and keeps working', async () => {
		await expect(
			produceInWorker(job(1, { signing: { p12: keys.pdf.p12, passphrase: 'not the passphrase' } }))
		).rejects.toThrow(/certificate worker/);
		const ok = await produceInWorker(job(2));
		expect(Buffer.from(ok.pdf.subarray(0, 5)).toString()).toBe('%PDF-');
	});

	it('gives the same bytes, hash and signature as the main thread', async () => {
		const [inWorker, here] = await Promise.all([produceInWorker(job(3)), produceCertificate(job(3))]);
		expect(inWorker.sha256).toBe(here.sha256);
		expect(Buffer.compare(Buffer.from(inWorker.pdf), Buffer.from(here.pdf))).toBe(0);
		expect(inWorker.signature).toBe(here.signature);
		expect(
			verifyFacts(job(3).facts, inWorker.signature, keys.ed25519.publicKeys.get(keys.ed25519.keyId)!.keyObject)
		).toBe(true);
	});

	it('runs jobs queued while it starts, several at once, each with its own result', async () => {
		const warming = warmCertificateWorker();
		const out = await Promise.all([4, 5, 6, 7].map((n) => produceInWorker(job(n))));
		await warming;
		expect(new Set(out.map((o) => o.sha256)).size).toBe(4);
	});

	// How free the event loop stays is measured by `npm run bench` (a stall figure, not a test); what a
	// test can say for certain is that the rendering and signing never run on the calling thread.
	it('renders and signs in another thread, never on the calling one', async () => {
		const counted = mainThreadRenders.n;
		await produceCertificate(job(8));
		const before = mainThreadRenders.n;
		expect(before, 'the counter sees a render on this thread').toBe(counted + 1);
		const out = await Promise.all([9, 10, 11].map((n) => produceInWorker(job(n))));
		expect(out.map((o) => o.pdf.length).every((n) => n > 10_000)).toBe(true);
		expect(mainThreadRenders.n).toBe(before);
	});

	it('does not keep a process alive once its work is done (the CLI exits)', () => {
		const script = `
			import { generateKeys, loadKeys } from './src/lib/server/certificates/keys-folder';
			import { produceInWorker, warmCertificateWorker } from './src/lib/server/certificates/worker-pool';
			const dir = ${JSON.stringify(join(tmp, 'keys'))};
			const keys = loadKeys(dir);
			void warmCertificateWorker();
			const facts = ${JSON.stringify({ ...job(20).facts, keyId: 'KEYID' })};
			facts.keyId = keys.ed25519.keyId;
			produceInWorker({ facts, code: 'abc', verifyUrl: 'https://x.test/verify?code=abc', ed25519PrivateKey: keys.ed25519.privateKey, signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase }, pdfSignature: { reason: 'r', name: 'n', location: 'l', contactInfo: 'c' } })
				.then((o) => console.log('produced', o.pdf.length));
		`;
		void generateKeys;
		const r = spawnSync('npx', ['tsx', '--eval', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
		expect(r.error, 'the process did not exit by itself within 30 s').toBeUndefined();
		expect(r.stdout).toMatch(/produced \d{5,}/);
		expect(r.status).toBe(0);
	});
});
