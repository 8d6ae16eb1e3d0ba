import { resolve } from 'node:path';
import { clock } from '../clock';
import { config } from '../config';
import type { Db } from '../db';
import { getDb } from '../db/instance';
import { loadKeys, type LoadedKeys } from './keys';
import { warmCertificateWorker } from './worker-pool';

let keys: LoadedKeys | null = null;
let problem: string | null = null;

/** Public keys go into the registry so every certificate can be checked with the key it names. */
export async function registerPublicKeys(db: Db, k: LoadedKeys): Promise<void> {
	const now = clock.iso();
	const rows = [
		...[...k.ed25519.publicKeys].map(([id, v]) => ({ id, kind: 'ed25519' as const, public_pem: v.pem })),
		...[...k.pdf.certs].map(([id, pem]) => ({ id, kind: 'pdf' as const, public_pem: pem }))
	];
	for (const r of rows) {
		await db
			.insertInto('signing_keys')
			.values({ ...r, created_at: now, registered_at: now })
			.onConflict((oc) => oc.column('id').doNothing())
			.execute();
	}
}

/** Load the keys once at start. Without them the server runs but refuses to issue, and says why. */
export async function ensureSigningReady(dir = config.keysDir, db?: Db): Promise<boolean> {
	try {
		keys = loadKeys(resolve(dir));
		problem = null;
		await registerPublicKeys(db ?? (await getDb()).db, keys);
		// Start the worker now, so the first sign-off does not wait for it to load (it never blocks exit).
		warmCertificateWorker().catch((e) => console.error('[certificates] the certificate worker did not start', e));
		return true;
	} catch (e) {
		keys = null;
		problem = (e as Error).message;
		console.warn(`[certificates] issuing is disabled: ${problem}`);
		return false;
	}
}

export function signingKeys(): { ok: true; keys: LoadedKeys } | { ok: false; problem: string } {
	return keys ? { ok: true, keys } : { ok: false, problem: problem ?? 'Signing keys were not loaded.' };
}

/** Test-only: use keys loaded elsewhere. */
export function useSigningKeys(k: LoadedKeys | null): void {
	keys = k;
	problem = k ? null : 'Signing keys were not loaded.';
}
