/**
 * The CPU-heavy part of issuing, as one pure step: Ed25519 over the facts, render the PDF with the
 * signature's fingerprint on it, sign the PDF, hash the file. Runs in a worker thread
 * (produce.worker.ts) so that issuing never holds up other requests; no database, no clock.
 */
import type { KeyObject } from 'node:crypto';
import { signedFactsBytes, type CertificateFacts } from '../../domain/certificate-facts';
import { renderCertificatePdf } from './render-pdf';
import { sha256Hex, signatureFingerprint, signFacts, signPdf, type PdfSignatureInfo } from './sign';

export interface ProduceJob {
	/** complete facts, with issuedAt and keyId */
	facts: CertificateFacts;
	/** the verification code printed on the certificate */
	code: string;
	/** the full verification link (with ?code=…) the QR code carries */
	verifyUrl: string;
	ed25519PrivateKey: KeyObject;
	/** the PDF signer's PKCS#12 (key + certificate chain) and its passphrase */
	p12: Uint8Array;
	passphrase: string;
	pdfSignature: PdfSignatureInfo;
}

export interface Produced {
	/** base64 Ed25519 signature over canonicalFacts(facts) */
	signature: string;
	/** the signed PDF, exactly as it will be stored and served */
	pdf: Uint8Array;
	sha256: string;
}

export async function produceCertificate(job: ProduceJob): Promise<Produced> {
	const signature = signFacts(job.facts, job.ed25519PrivateKey);
	const unsigned = await renderCertificatePdf(job.facts, {
		verifyUrl: job.verifyUrl,
		code: job.code,
		fingerprint: signatureFingerprint(signature),
		signature,
		// The bytes signFacts signed, attached to the PDF as they are.
		signedFacts: signedFactsBytes(job.facts)
	});
	// Structured clone (postMessage) turns a Buffer into a plain Uint8Array: the P12 signer needs a Buffer.
	const p12 = Buffer.from(job.p12.buffer, job.p12.byteOffset, job.p12.byteLength);
	const pdf = await signPdf(unsigned, p12, job.passphrase, job.pdfSignature);
	return { signature, pdf, sha256: sha256Hex(pdf) };
}
