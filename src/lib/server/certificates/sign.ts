/**
 * The two signatures on a certificate: Ed25519 over the canonical facts, and a PDF (PKCS#7 detached,
 * adbe.pkcs7.detached) signature over the file bytes that Adobe Reader and poppler's pdfsig check.
 */
import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { CachedP12Signer } from './pdf-signer';
import { canonicalFacts } from '../../domain/certificate-facts';
import type { CertificateFacts } from '../../domain/certificate-facts';

export function sha256Hex(buf: Buffer | Uint8Array | string): string {
	return createHash('sha256').update(buf).digest('hex');
}

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
	/** defaults to now; pass the certificate's issue time to keep /M and the PKCS#7 time in line */
	signingTime?: Date;
}

/** Sign a PDF with the P12's key (PKCS#7 detached, SHA-256; see pdf-signer.ts). */
export async function signPdf(
	pdf: Buffer | Uint8Array,
	p12: Buffer,
	passphrase: string,
	info: PdfSignatureInfo
): Promise<Buffer> {
	// updateMetadata: false keeps the renderer's Producer/ModDate instead of pdf-lib's "now".
	const doc = await PDFDocument.load(pdf, { updateMetadata: false });
	pdflibAddPlaceholder({
		pdfDoc: doc,
		reason: info.reason,
		name: info.name,
		location: info.location,
		contactInfo: info.contactInfo,
		signingTime: info.signingTime,
		signatureLength: 8192
	});
	const bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
	return new SignPdf().sign(bytes, new CachedP12Signer(p12, passphrase), info.signingTime);
}
