import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clock } from '../clock';
import { config } from '../config';
import type { Db } from '../db';
import { getDb } from '../db/instance';
import { CA_CRL } from './ca-folder';
import { caKeyInKeysFolder, loadKeys, readCrlFile, type LoadedKeys } from './keys-folder';
import { caKeyWarning, crlWarning, signerCrlWarning } from './key-warnings';
import { crlUrlOf, parseCertificate, pemToDer } from './x509';
import { syncSigningKeys } from './signing-keys.queries';
import { readTsaSettings, tsaWarning, type TsaMaterial } from './tsa-config';
import { warmCertificateWorker } from './worker-pool';

let keys: LoadedKeys | null = null;
/** the TSA the PDF signatures are time-stamped by (read at start); null: none configured */
let tsa: TsaMaterial | null = null;
let problem: string | null = null;
/** the folder the keys were loaded from (null when a test handed them in) */
let keysDir: string | null = null;
let crlStamp = '';
let crlCheckedAt = 0;
let dailyCheck: NodeJS.Timeout | null = null;
/** whether the active signer certificate names its CRL (worked out once per key set) */
let signerNamesCrl: boolean | null = null;
/** The CLI may replace ca.crl while the server runs; look at the file at most this often. */
const CRL_RECHECK_MS = 5_000;

/** Public keys go into the registry so every certificate can be checked with the key it names. */
export async function registerPublicKeys(db: Db, k: LoadedKeys): Promise<void> {
	await syncSigningKeys(db, k.records, clock.iso());
}

function crlFileStamp(dir: string): string {
	try {
		const s = statSync(join(dir, CA_CRL));
		return `${s.mtimeMs}:${s.size}`;
	} catch {
		return '';
	}
}

/** Pick up a CRL the CLI wrote after start (keys:crl, keys:revoke), so signing and the CRL URL use it. */
function refreshCrl(): void {
	if (!keys || !keysDir || clock.now().getTime() - crlCheckedAt < CRL_RECHECK_MS) return;
	crlCheckedAt = clock.now().getTime();
	const stamp = crlFileStamp(keysDir);
	if (stamp === crlStamp) return;
	crlStamp = stamp;
	keys = { ...keys, crl: readCrlFile(keysDir, keys.ca.certDer) };
}

/** Everything an operator should act on about the keys, in plain sentences (empty: nothing). */
export function keyWarnings(now: Date = clock.now()): string[] {
	refreshCrl();
	const out: string[] = [];
	if (!keys) out.push(`Certificates cannot be issued: ${problem ?? 'the signing keys were not loaded.'}`);
	else {
		const crl = crlWarning(keys.crl, now);
		if (crl) out.push(crl);
		signerNamesCrl ??= crlUrlOf(parseCertificate(pemToDer(keys.pdf.certPem))) !== null;
		const signer = signerCrlWarning(signerNamesCrl);
		if (signer) out.push(signer);
	}
	const caKey = keysDir ? caKeyWarning(caKeyInKeysFolder(keysDir), keysDir) : null;
	if (caKey) out.push(caKey);
	return out;
}

/** What an operator should know about time-stamping (no TSA configured): said with the key warnings. */
export function timeStampingWarnings(): string[] {
	const w = keys ? tsaWarning(tsa) : null;
	return w ? [w] : [];
}

function warnNow(): void {
	for (const w of keyWarnings()) console.warn(`[keys] ${w}`);
	for (const w of timeStampingWarnings()) console.warn(`[tsa] ${w}`);
}

/** Load the keys once at start. Without them the server runs but refuses to issue, and says why. */
export async function ensureSigningReady(dir = config.keysDir, db?: Db): Promise<boolean> {
	keysDir = resolve(dir);
	try {
		keys = loadKeys(keysDir);
		tsa = readTsaSettings();
		if (tsa)
			console.log(
				`[tsa] PDF signatures are time-stamped by ${tsa.url}${tsa.trustedCaDer.length ? ' (tokens checked against TSA_CA_FILE)' : ''}${tsa.required ? '; a certificate is not issued without one (TSA_REQUIRED)' : ''}`
			);
		signerNamesCrl = null;
		problem = null;
		crlStamp = crlFileStamp(keysDir);
		crlCheckedAt = clock.now().getTime();
		await registerPublicKeys(db ?? (await getDb()).db, keys);
		// Start the worker now, so the first sign-off does not wait for it to load (it never blocks exit).
		warmCertificateWorker().catch((e) => console.error('[certificates] the certificate worker did not start', e));
		return true;
	} catch (e) {
		keys = null;
		problem = (e as Error).message;
		console.warn(`[certificates] issuing is disabled: ${problem}`);
		return false;
	} finally {
		for (const w of keyWarnings()) if (!w.startsWith('Certificates cannot be issued')) console.warn(`[keys] ${w}`);
		for (const w of timeStampingWarnings()) console.warn(`[tsa] ${w}`);
		// A server runs for months: say it again each day, so a CRL running out is not missed.
		dailyCheck ??= setInterval(warnNow, 24 * 3600 * 1000).unref();
	}
}

export function signingKeys():
	{ ok: true; keys: LoadedKeys; tsa: TsaMaterial | null } | { ok: false; problem: string } {
	refreshCrl();
	return keys ? { ok: true, keys, tsa } : { ok: false, problem: problem ?? 'Signing keys were not loaded.' };
}

/** Test-only: use keys loaded elsewhere (optionally from their folder, so CRL changes are seen). */
export function useSigningKeys(
	k: LoadedKeys | null,
	dir: string | null = null,
	timeStamping: TsaMaterial | null = null
): void {
	keys = k;
	tsa = timeStamping;
	signerNamesCrl = null;
	keysDir = dir ? resolve(dir) : null;
	crlStamp = dir ? crlFileStamp(resolve(dir)) : '';
	crlCheckedAt = 0;
	problem = k ? null : 'Signing keys were not loaded.';
}
