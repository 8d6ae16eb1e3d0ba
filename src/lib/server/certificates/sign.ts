/**
 * The two signatures on a certificate: Ed25519 over the canonical facts, and a PDF signature over the
 * file bytes that Adobe Reader and poppler's pdfsig check: PAdES baseline (SubFilter
 * ETSI.CAdES.detached), a certification signature permitting no change (DocMDP P 1), with an RFC 3161
 * signature time-stamp when a TSA is configured (B-T) and the validation data in the file's DSS
 * (B-LT): the signer's chain, the program CA's CRL, the TSA's chain and its CRLs (tsa-revocation.ts).
 */
import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { addPadesPlaceholder } from './pades-placeholder';
import { buildPadesCms, unlockP12 } from './pdf-signer';
import { fetchTimestamp, timestampWithRetry, type TsaSettings } from './tsa';
import { tsaRevocation } from './tsa-revocation';
import { canonicalFacts } from '../../domain/certificate-facts';
import type { CertificateFacts } from '../../domain/certificate-facts';

/** Base64 Ed25519 signature over the UTF-8 bytes of canonicalFacts(facts). */
export function signFacts(facts: CertificateFacts, privateKey: KeyObject): string {
	return sign(null, Buffer.from(canonicalFacts(facts), 'utf8'), privateKey).toString('base64');
}

export function verifyFacts(facts: CertificateFacts, signatureB64: string, publicKey: KeyObject): boolean {
	try {
		const sig = Buffer.from(signatureB64, 'base64');
		if (sig.length !== 64) return false;
		return verify(null, Buffer.from(canonicalFacts(facts), 'utf8'), publicKey, sig);
	} catch {
		// Facts that cannot be canonicalised (e.g. a fraction) cannot carry a valid signature.
		return false;
	}
}

/** A short printable fingerprint of a signature: "AB12 CD34 EF56 7890" (SHA-256, first 64 bits). */
export function signatureFingerprint(signatureB64: string): string {
	const hex = createHash('sha256').update(Buffer.from(signatureB64, 'base64')).digest('hex');
	return hex.slice(0, 16).toUpperCase().match(/.{4}/g)!.join(' ');
}

export interface PdfSignatureInfo {
	reason: string;
	name: string;
	location: string;
	contactInfo: string;
	/** the signature dictionary's /M (PAdES keeps the time there, not in the CMS); defaults to now */
	signingTime?: Date;
}

/**
 * Everything the PDF signature is made with, in one structured-cloneable value (it crosses into the
 * worker thread): the signer's P12, the program CA's CRL for the DSS and the CMS, and the TSA.
 */
export interface PdfSigningMaterial {
	/** the signer's PKCS#12 (its key, its certificate and the program CA's) and its passphrase */
	p12: Uint8Array;
	passphrase: string;
	/** the program CA's current CRL, DER; null/absent: none is embedded */
	crlDer?: Uint8Array | null;
	/** the RFC 3161 time-stamping authority; null/absent: no time-stamp (baseline B-B) */
	tsa?: (TsaSettings & { required?: boolean }) | null;
}

export interface SignedPdf {
	pdf: Buffer;
	/** the TSA's time in the signature time-stamp; null when the signature carries none */
	timestampedAt: Date | null;
	/** why a configured TSA gave no time-stamp (the PDF was signed without one); null otherwise */
	timestampProblem: string | null;
	/**
	 * why the DSS lacks a current CRL for a TSA certificate, or says it is revoked (the time-stamp is
	 * then B-T only: not checkable from the file alone in years); null otherwise. Never stops issuing.
	 */
	revocationProblem: string | null;
}

export class TimestampRequiredError extends Error {}

/** TSA certificates learnt from earlier tokens of this thread, by TSA URL, for the next file's DSS. */
const tsaCertsSeen = new Map<string, Uint8Array[]>();

const der = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function uniqueDer(list: Uint8Array[]): Uint8Array[] {
	const seen = new Set<string>();
	return list.filter((d) => {
		const k = der(d).toString('base64');
		if (seen.has(k)) return false;
		seen.add(k);
		return true;
	});
}

/**
 * The TSA's certificates for the DSS, which is written before this signature's own token exists:
 * those of an earlier token of this thread, or else of a first token asked for now over random bytes
 * (once per thread and TSA), plus TSA_CA_FILE's.
 */
async function tsaChain(tsa: TsaSettings): Promise<Uint8Array[]> {
	let seen = tsaCertsSeen.get(tsa.url);
	if (!seen) {
		try {
			seen = (
				await fetchTimestamp(tsa, createHash('sha256').update(`dss probe ${Date.now()} ${Math.random()}`).digest())
			).certificatesDer;
			tsaCertsSeen.set(tsa.url, seen);
		} catch {
			seen = []; // the signature's own request says what is wrong, and is retried
		}
	}
	return uniqueDer([...seen, ...tsa.trustedCaDer]);
}

class PadesSigner extends Signer {
	timestampedAt: Date | null = null;
	timestampProblem: string | null = null;

	constructor(
		private readonly p12: { p12: Buffer; passphrase: string },
		private readonly chainDer: Uint8Array[],
		private readonly crlDer: Uint8Array | null,
		private readonly tsa: PdfSigningMaterial['tsa']
	) {
		super();
	}

	async sign(content: Buffer): Promise<Buffer> {
		const signer = unlockP12(this.p12.p12, this.p12.passphrase);
		const tsa = this.tsa;
		return buildPadesCms({
			content,
			signer,
			chainDer: this.chainDer,
			crlDer: this.crlDer,
			timestamp: tsa
				? async (signatureValue) => {
						try {
							const t = await timestampWithRetry(tsa, signatureValue);
							tsaCertsSeen.set(tsa.url, t.certificatesDer);
							this.timestampedAt = t.genTime;
							return t.token;
						} catch (e) {
							this.timestampProblem = `the time-stamping authority at ${tsa.url} gave no valid time-stamp: ${(e as Error).message}`;
							if (tsa.required)
								throw new TimestampRequiredError(
									`${this.timestampProblem} (TSA_REQUIRED is set, so nothing was issued)`
								);
							return null;
						}
					}
				: undefined
		});
	}
}

/** Room for a TSA's token: its signature and certificate chain (a public TSA's is 5–8 KB). */
const TOKEN_ALLOWANCE = 16 * 1024;

/**
 * Sign a PDF: PAdES baseline B-LT (B-T's time-stamp when material.tsa answers), certified with
 * DocMDP P 1. The former call signPdf(pdf, p12, passphrase, info) is kept: it signs the same way,
 * without a CRL or a time-stamp.
 */
export async function signPdf(
	pdf: Buffer | Uint8Array,
	material: PdfSigningMaterial,
	info: PdfSignatureInfo
): Promise<Buffer>;
export async function signPdf(
	pdf: Buffer | Uint8Array,
	p12: Buffer,
	passphrase: string,
	info: PdfSignatureInfo
): Promise<Buffer>;
export async function signPdf(
	pdf: Buffer | Uint8Array,
	a: PdfSigningMaterial | Buffer,
	b: PdfSignatureInfo | string,
	c?: PdfSignatureInfo
): Promise<Buffer> {
	const material: PdfSigningMaterial = a instanceof Uint8Array ? { p12: a, passphrase: b as string } : a;
	return (await signPdfDetailed(pdf, material, (c ?? b) as PdfSignatureInfo)).pdf;
}

/** signPdf, also saying whether and when the signature was time-stamped. */
export async function signPdfDetailed(
	pdf: Buffer | Uint8Array,
	material: PdfSigningMaterial,
	info: PdfSignatureInfo
): Promise<SignedPdf> {
	const p12 = { p12: der(material.p12), passphrase: material.passphrase };
	const unlocked = unlockP12(p12.p12, p12.passphrase);
	// The signer first, then the rest of the P12's chain (the program CA).
	const chainDer = uniqueDer([unlocked.signerDer, ...unlocked.certificatesDer]);
	const crlDer = material.crlDer ? der(material.crlDer) : null;
	const tsa = material.tsa ?? null;
	const tsaCerts = tsa ? await tsaChain(tsa) : [];
	// The CRLs of those same certificates, for the same reason: the DSS cannot wait for the token.
	const revocation = tsa ? await tsaRevocation(tsaCerts, tsa.timeoutMs) : { crlsDer: [], problem: null };
	const signingTime = info.signingTime ?? new Date();
	// updateMetadata: false keeps the renderer's Producer/ModDate instead of pdf-lib's "now". pdf-lib
	// parses and writes in slices of 100 and 50 objects with a setTimeout between them, to let other
	// work run; a certificate has ~140 objects, signed in a worker thread that has nothing else to do,
	// so those pauses (≥ 1 ms each, more on a busy machine) are only waiting: read and written at once.
	const doc = await PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
	const known = [...chainDer, ...(crlDer ? [crlDer] : [])].reduce((n, d) => n + d.byteLength, 0);
	addPadesPlaceholder(doc, {
		reason: info.reason,
		name: info.name,
		location: info.location,
		contactInfo: info.contactInfo,
		signingTime,
		cmsBytes: Math.ceil((known + 2048 + (tsa ? TOKEN_ALLOWANCE : 0)) / 1024) * 1024,
		dss: {
			certs: uniqueDer([...chainDer, ...tsaCerts]),
			crls: uniqueDer([...(crlDer ? [crlDer] : []), ...revocation.crlsDer])
		}
	});
	const bytes = Buffer.from(await doc.save({ useObjectStreams: false, objectsPerTick: Infinity }));
	const signer = new PadesSigner(p12, chainDer, crlDer, tsa);
	const signed = await new SignPdf().sign(bytes, signer);
	return {
		pdf: signed,
		timestampedAt: signer.timestampedAt,
		timestampProblem: signer.timestampProblem,
		revocationProblem: revocation.problem
	};
}
