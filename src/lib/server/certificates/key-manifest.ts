/**
 * keys.json, the keys folder's own record: every key it ever held, which are active, and each key's
 * life (retired by a rotation, revoked from a date), and how the registry (signing_keys) lists them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './files';
import { parseCertificate, pemToDer, serialHexOf, type RevocationReason } from './x509';

export const MANIFEST = 'keys.json';

export interface Lifecycle {
	/** when a newer key took over signing (rotation) */
	retiredAt?: string;
	/** from when the key is distrusted (keys:revoke --from) */
	revokedFrom?: string;
	revocationReason?: RevocationReason;
	/** when the revocation was recorded */
	revokedAt?: string;
}
export interface Ed25519Entry extends Lifecycle {
	keyId: string;
	createdAt: string;
	publicKeyPem: string;
}
export interface PdfEntry extends Lifecycle {
	keyId: string;
	createdAt: string;
	certPem: string;
	p12File: string;
	passphrase: string;
	/** the Ed25519 key made with it (the pair is rotated and revoked together) */
	ed25519KeyId?: string;
}
export interface KeyManifest {
	program?: { slug: string | null; name: string };
	crlUrl?: string | null;
	active: { ed25519: string; pdf: string };
	ed25519: Ed25519Entry[];
	pdf: PdfEntry[];
}

/** One key as the registry (signing_keys) and GET /api/v1/keys list it. */
export interface KeyRecord {
	id: string;
	kind: 'ed25519' | 'pdf';
	pem: string;
	createdAt: string;
	retiredAt: string | null;
	revokedFrom: string | null;
	revocationReason: string | null;
	revokedAt: string | null;
	certSerial: string | null;
	notAfter: string | null;
}

export function readManifest(dir: string): KeyManifest | null {
	const path = join(dir, MANIFEST);
	if (!existsSync(path)) return null;
	return JSON.parse(readFileSync(path, 'utf8')) as KeyManifest;
}

export function writeManifest(dir: string, manifest: KeyManifest): void {
	writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * What the registry lists. Manifests written before keys were marked retired: a key that is not the
 * active one was retired when the next one was made.
 */
export function keyRecords(manifest: KeyManifest): KeyRecord[] {
	const life = <T extends Lifecycle & { keyId: string; createdAt: string }>(list: T[], active: string, i: number) => ({
		retiredAt: list[i].retiredAt ?? (list[i].keyId === active ? null : (list[i + 1]?.createdAt ?? null)),
		revokedFrom: list[i].revokedFrom ?? null,
		revocationReason: list[i].revocationReason ?? null,
		revokedAt: list[i].revokedAt ?? null
	});
	const ed = manifest.ed25519.map((k, i) => ({
		id: k.keyId,
		kind: 'ed25519' as const,
		pem: k.publicKeyPem,
		createdAt: k.createdAt,
		...life(manifest.ed25519, manifest.active.ed25519, i),
		certSerial: null,
		notAfter: null
	}));
	const pdf = manifest.pdf.map((k, i) => {
		const cert = parseCertificate(pemToDer(k.certPem));
		return {
			id: k.keyId,
			kind: 'pdf' as const,
			pem: k.certPem,
			createdAt: k.createdAt,
			...life(manifest.pdf, manifest.active.pdf, i),
			certSerial: serialHexOf(cert),
			notAfter: cert.notAfter.value.toISOString()
		};
	});
	return [...ed, ...pdf];
}
