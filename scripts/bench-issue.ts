// Times certificate issuing work (render + Ed25519 + PDF signature) on warm keys, and how long the
// event loop is held while it runs. Used by scripts/bench.mjs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CertificateFacts } from '../src/lib/domain/certificate-facts';
import { generateKeys, loadKeys } from '../src/lib/server/certificates/keys';
import { renderCertificatePdf } from '../src/lib/server/certificates/render-pdf';
import { signatureFingerprint, signFacts, signPdf } from '../src/lib/server/certificates/sign';

const dir = join(mkdtempSync(join(tmpdir(), 'bench-keys-')), 'keys');
generateKeys(dir, { programName: 'Bench Program' });
const keys = loadKeys(dir);
const facts = (n: number): CertificateFacts => ({
	v: 1,
	serial: `RC-2026-${String(n).padStart(6, '0')}`,
	program: 'Offenders Prostitution Program (John School)',
	provider: 'Breaking Free',
	participantName: 'Bench Participant',
	dateOfBirth: '1980-01-01',
	court: 'Ramsey County District Court (Second Judicial District)',
	caseNumber: '62-CR-26-0001',
	offence: null,
	curriculumVersion: '2026.1',
	completedAt: '2026-11-22',
	seatSeconds: 29_000,
	attestation: { name: 'Bench Participant', signedAt: '2026-11-22T15:00:00.000Z' },
	signedOffBy: 'Bench Facilitator',
	issuedAt: '2026-11-22T16:00:00.000Z',
	keyId: keys.ed25519.keyId
});

async function issueOnce(n: number): Promise<void> {
	const f = facts(n);
	const signature = signFacts(f, keys.ed25519.privateKey);
	const pdf = await renderCertificatePdf(f, { verifyUrl: `https://example.org/verify/${f.serial}?code=abc`, code: 'abcdefghijklmnopqrstuvwxyz', fingerprint: signatureFingerprint(signature) });
	await signPdf(pdf, keys.pdf.p12, keys.pdf.passphrase, { reason: 'bench', name: 'bench', location: 'bench', contactInfo: 'bench' });
}

for (let i = 0; i < 5; i++) await issueOnce(i); // warm up
const n = 30;
const times: number[] = [];
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
for (let i = 0; i < n; i++) {
	const t = performance.now();
	await issueOnce(100 + i);
	times.push(performance.now() - t);
}
loop.disable();
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
console.log(JSON.stringify({ issues: n, p50: +pct(50).toFixed(1), p99: +pct(99).toFixed(1), maxEventLoopDelayMs: +(loop.max / 1e6).toFixed(1) }));
