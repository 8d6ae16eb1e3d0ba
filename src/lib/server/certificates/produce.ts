/**
 * The CPU-heavy part of issuing, as one pure step: Ed25519 over the facts, render the PDF with the
 * signature's fingerprint on it, sign the PDF, hash the file. Runs in a worker thread
 * (produce.worker.ts) so that issuing never holds up other requests; no database, no clock.
 */
import type { KeyObject } from 'node:crypto';
import { signedFactsBytes, type CertificateFacts } from '../../domain/certificate-facts';
import { renderCertificatePdf } from './render-pdf';
import {
	signatureFingerprint,
	signFacts,
	signPdfDetailed,
	type PdfSignatureInfo,
	type PdfSigningMaterial
} from './sign';
import { sha256Hex } from '../ids';

export interface ProduceJob {
	/** complete facts, with issuedAt and keyId */
	facts: CertificateFacts;
	/** the verification code printed on the certificate */
	code: string;
	/** the full verification link (with ?code=…) the QR code carries */
	verifyUrl: string;
	ed25519PrivateKey: KeyObject;
	/** what the PDF signature is made with: the signer's P12, the CA's CRL, the TSA */
	signing: PdfSigningMaterial;
	pdfSignature: PdfSignatureInfo;
}

export interface Produced {
	/** base64 Ed25519 signature over canonicalFacts(facts) */
	signature: string;
	/** the signed PDF, exactly as it will be stored and served */
	pdf: Uint8Array;
	sha256: string;
	/** the TSA's time in the PDF signature's time-stamp (ISO); null when it carries none */
	timestampedAt: string | null;
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
	const signed = await signPdfDetailed(unsigned, job.signing, job.pdfSignature);
	// Said here, in the thread that knows: the certificate is issued without an independent time.
	if (signed.timestampProblem)
		console.warn(`[certificates] ${job.facts.serial} signed WITHOUT a time-stamp: ${signed.timestampProblem}`);
	return {
		signature,
		pdf: signed.pdf,
		sha256: sha256Hex(signed.pdf),
		timestampedAt: signed.timestampedAt?.toISOString() ?? null
	};
}
