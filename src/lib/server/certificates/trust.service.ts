/**
 * The trust anchor as the public sees it: the program CA's certificate and fingerprint, its CRL, every
 * key that ever signed with its status, and the court staff's instruction sheet. The URLs printed are
 * the stable public ones (PUBLIC_ORIGIN, else ORIGIN, else the address the request came to).
 */
import { config } from '../config';
import type { Db } from '../db';
import { signingKeys } from './certificate-keys';
import { listSigningKeys, findKeysProgram } from './signing-keys.queries';
import { renderTrustSheet, type TrustSheetInput } from './trust-sheet';
import { commonNameOf, organizationOf, parseCertificate, pemToDer } from './x509';

export interface TrustAnchor {
	certPem: string;
	certDer: Buffer;
	fingerprintSha256: string;
	commonName: string;
	programName: string;
	notBefore: string;
	notAfter: string;
	signerName: string;
	crl: { der: Buffer; thisUpdate: string; nextUpdate: string } | null;
	urls: { keys: string; pem: string; cer: string; crl: string; sheet: string; verify: string };
}

export function publicUrls(requestOrigin: string): TrustAnchor['urls'] {
	const o = (config.publicOrigin ?? requestOrigin).replace(/\/$/, '');
	return {
		keys: `${o}/api/v1/keys`,
		pem: `${o}/api/v1/keys/ca.pem`,
		cer: `${o}/api/v1/keys/ca.cer`,
		crl: `${o}/api/v1/keys/ca.crl`,
		sheet: `${o}/verify/trust.pdf`,
		verify: `${o}/verify`
	};
}

let parsed: {
	fingerprint: string;
	commonName: string;
	programName: string;
	notBefore: string;
	notAfter: string;
	signerName: string;
} | null = null;

/** The CA the server's keys chain to, or null when the server has no keys. */
export function trustAnchor(requestOrigin: string): TrustAnchor | null {
	const k = signingKeys();
	if (!k.ok) return null;
	const { ca, crl, pdf } = k.keys;
	if (parsed?.fingerprint !== ca.fingerprintSha256) {
		const cert = parseCertificate(ca.certDer);
		const signer = parseCertificate(pemToDer(pdf.certPem));
		parsed = {
			fingerprint: ca.fingerprintSha256,
			commonName: commonNameOf(cert) ?? 'Program Certificate Authority',
			programName: organizationOf(cert) ?? 'the program',
			notBefore: cert.notBefore.value.toISOString(),
			notAfter: cert.notAfter.value.toISOString(),
			signerName: commonNameOf(signer) ?? 'the program'
		};
	}
	const { fingerprint, ...names } = parsed;
	return {
		certPem: ca.certPem,
		certDer: ca.certDer,
		fingerprintSha256: fingerprint,
		...names,
		crl,
		urls: publicUrls(requestOrigin)
	};
}

/** GET /api/v1/keys: the README's by-hand recipe reads .keys[].keyId and .pem; the rest is added. */
export async function publishedKeys(db: Db, requestOrigin: string) {
	const anchor = trustAnchor(requestOrigin);
	const urls = publicUrls(requestOrigin);
	const keys = await listSigningKeys(db);
	return {
		keys: keys.map((k) => ({
			keyId: k.id,
			kind: k.kind === 'ed25519' ? 'ed25519' : 'pdf-signing-certificate',
			pem: k.publicPem,
			createdAt: k.createdAt,
			status: k.status,
			retiredAt: k.retiredAt,
			compromisedFrom: k.compromisedFrom,
			revokedAt: k.revokedAt,
			revocationReason: k.revocationReason,
			...(k.kind === 'pdf' ? { certSerial: k.certSerial, notAfter: k.notAfter } : {})
		})),
		ca: anchor && {
			pem: anchor.certPem,
			fingerprintSha256: anchor.fingerprintSha256,
			subject: anchor.commonName,
			notBefore: anchor.notBefore,
			notAfter: anchor.notAfter,
			pemUrl: urls.pem,
			cerUrl: urls.cer
		},
		crl: anchor?.crl ? { url: urls.crl, thisUpdate: anchor.crl.thisUpdate, nextUpdate: anchor.crl.nextUpdate } : null,
		trustSheetUrl: urls.sheet,
		canonicalForm:
			'version 2 ("v":2): RFC 8785 (JCS); version 1: UTF-8 of JSON.stringify of the facts with object keys sorted recursively, strings NFC, no whitespace. signedFacts in each certificate answer is the exact signed bytes'
	};
}

function phoneOf(settingsJson: string): string | null {
	try {
		const phone = (JSON.parse(settingsJson) as { providerPhone?: unknown }).providerPhone;
		return typeof phone === 'string' && phone.trim() ? phone.trim() : null;
	} catch {
		return null;
	}
}

let sheet: { key: string; pdf: Buffer } | null = null;

/**
 * The instruction sheet, rendered once per content (CA, CRL date, program contact, addresses) and
 * kept: it is public, and rendering costs tens of milliseconds of the main thread.
 */
export async function trustSheetPdf(db: Db, requestOrigin: string): Promise<Buffer | null> {
	const anchor = trustAnchor(requestOrigin);
	if (!anchor) return null;
	const k = signingKeys();
	const program = await findKeysProgram(db, k.ok ? k.keys.programSlug : null);
	const input: TrustSheetInput = {
		programName: program?.name ?? anchor.programName,
		provider: program?.provider ?? anchor.programName,
		phone: program ? phoneOf(program.settingsJson) : null,
		ca: {
			commonName: anchor.commonName,
			fingerprintSha256: anchor.fingerprintSha256,
			notBefore: anchor.notBefore,
			notAfter: anchor.notAfter
		},
		signerName: anchor.signerName,
		urls: anchor.urls,
		asOf: anchor.crl?.thisUpdate ?? anchor.notBefore
	};
	const key = JSON.stringify(input);
	if (sheet?.key !== key) sheet = { key, pdf: await renderTrustSheet(input) };
	return sheet.pdf;
}
