/**
 * The TSA settings from the environment (TSA_URL, TSA_TIMEOUT_MS, TSA_CA_FILE, TSA_REQUIRED), read
 * once at start with the keys, and what to tell the operator about them.
 */
import { readFileSync } from 'node:fs';
import { config } from '../config';
import type { PdfSigningMaterial } from './sign';
import { pemToDer } from './x509';

export type TsaMaterial = NonNullable<PdfSigningMaterial['tsa']>;

/** The configured TSA, or null when TSA_URL is unset; throws with a plain sentence on a bad setting. */
export function readTsaSettings(): TsaMaterial | null {
	const url = config.tsaUrl;
	if (!url) return null;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new Error(`TSA_URL is not a URL: "${url}"`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
		throw new Error(`TSA_URL must be an http:// or https:// address, not "${url}"`);
	const trustedCaDer: Uint8Array[] = [];
	const file = config.tsaCaFile;
	if (file) {
		let pem: string;
		try {
			pem = readFileSync(file, 'utf8');
		} catch (e) {
			throw new Error(`TSA_CA_FILE ${file} cannot be read: ${(e as Error).message}`);
		}
		for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [])
			trustedCaDer.push(pemToDer(block));
		if (!trustedCaDer.length) throw new Error(`TSA_CA_FILE ${file} holds no PEM certificate`);
	}
	return { url, timeoutMs: config.tsaTimeoutMs, trustedCaDer, required: config.tsaRequired };
}

/** Said at start, daily and on the admin overview while no TSA is configured. */
export function tsaWarning(tsa: TsaMaterial | null): string | null {
	if (tsa) return null;
	return 'No time-stamping authority is configured (TSA_URL): certificates are signed without an independent time, so once the signing certificate expires a validator can no longer tell that it was valid when they were signed, and the verification page says "no independent time". Set TSA_URL (and TSA_CA_FILE) to an RFC 3161 time-stamping service.';
}
