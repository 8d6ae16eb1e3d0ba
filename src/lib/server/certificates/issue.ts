import type { CertificateFacts, UnsignedFacts } from '../../domain/certificate-facts';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { config } from '../config';
import { newId, randomToken, sha256Hex } from '../ids';
import type { Db } from '../db';
import { signingKeys } from './certificate-keys';
import { produceInWorker } from './worker-pool';

export function hashVerificationCode(code: string): string {
	return sha256Hex(`certificate-code:${normaliseVerificationCode(code)}`);
}

/** Codes are printed in groups of four; readers may type them with spaces, dashes or capitals. */
export function normaliseVerificationCode(code: string): string {
	return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function verifyUrl(origin: string, serial: string, code: string): string {
	return `${origin.replace(/\/$/, '')}/verify/${encodeURIComponent(serial)}?code=${encodeURIComponent(code)}`;
}

/** A certificate rendered and signed, not yet registered: nothing of it is in the database. */
export interface ProducedCertificate {
	id: string;
	facts: CertificateFacts;
	code: string;
	signature: string;
	pdf: Uint8Array;
	sha256: string;
	/** the TSA's time in the PDF signature's time-stamp; null: signed without one */
	timestampedAt: string | null;
	ed25519KeyId: string;
	pdfKeyId: string;
}

export type ProduceResult =
	{ ok: true; certificate: ProducedCertificate } | { ok: false; reason: 'no_keys'; problem: string };

/**
 * Renders and signs a certificate in a worker thread. Call it outside any transaction, after the
 * step that claimed its serial: the serial is printed in the signed PDF.
 */
export async function produceCertificateFor(input: { facts: UnsignedFacts; origin: string }): Promise<ProduceResult> {
	const k = signingKeys();
	if (!k.ok) return { ok: false, reason: 'no_keys', problem: k.problem };
	const { keys, tsa } = k;
	const issuedAt = clock.now();
	issuedAt.setUTCMilliseconds(0);
	const facts: CertificateFacts = { ...input.facts, issuedAt: issuedAt.toISOString(), keyId: keys.ed25519.keyId };
	const code = randomToken(16); // 128 bits
	const origin = config.publicOrigin ?? input.origin;
	// Render and both signatures run in a worker thread: ~50 ms of CPU that would stall other requests.
	const { signature, pdf, sha256, timestampedAt } = await produceInWorker({
		facts,
		code,
		verifyUrl: verifyUrl(origin, facts.serial, code),
		ed25519PrivateKey: keys.ed25519.privateKey,
		signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase, crlDer: keys.crl?.der ?? null, tsa },
		pdfSignature: {
			reason: `Certificate of completion ${facts.serial}`,
			name: facts.provider,
			location: facts.program,
			contactInfo: origin,
			signingTime: issuedAt
		}
	});
	return {
		ok: true,
		certificate: {
			id: newId(),
			facts,
			code,
			signature,
			pdf,
			sha256,
			timestampedAt,
			ed25519KeyId: keys.ed25519.keyId,
			pdfKeyId: keys.pdf.keyId
		}
	};
}

/**
 * Writes a produced certificate and its file as valid. Call it inside the transaction that has
 * just checked it may be issued (and superseded what it replaces); the one-valid-per-enrollment
 * index is the last guard.
 */
export async function registerCertificate(
	trx: Db,
	c: ProducedCertificate,
	meta: { enrollmentId: string; programId: string; courtId: string; issuedBy: string }
): Promise<void> {
	await trx
		.insertInto('certificates')
		.values({
			id: c.id,
			serial: c.facts.serial,
			enrollment_id: meta.enrollmentId,
			program_id: meta.programId,
			court_id: meta.courtId,
			code_hash: hashVerificationCode(c.code),
			facts_json: JSON.stringify(c.facts),
			ed25519_signature: c.signature,
			ed25519_key_id: c.ed25519KeyId,
			pdf_key_id: c.pdfKeyId,
			sha256: c.sha256,
			status: 'valid',
			issued_at: c.facts.issuedAt,
			issued_by: meta.issuedBy,
			revoked_at: null,
			revoked_by: null,
			revoke_reason: null,
			superseded_by: null,
			timestamped_at: c.timestampedAt
		})
		.execute();
	await trx
		.insertInto('certificate_files')
		.values({ certificate_id: c.id, pdf: Buffer.from(c.pdf.buffer, c.pdf.byteOffset, c.pdf.byteLength) })
		.execute();
}

export type IssueResult =
	| { ok: true; certificateId: string; serial: string; code: string }
	| { ok: false; reason: 'no_keys'; problem: string }
	| { ok: false; reason: 'not_active' };

class NotActive extends Error {}

/**
 * Renders, signs and registers the certificate of a signed-off enrollment, and completes the
 * enrollment. The facts are taken by the caller from the database after its sign-off claim. The
 * registering transaction completes the enrollment only if it is still active, not purged and still
 * says what the certificate says, and registers nothing otherwise (the retention purge, say, ran
 * while the PDF was made).
 */
export async function issueCertificate(
	db: Db,
	input: {
		enrollmentId: string;
		programId: string;
		courtId: string;
		issuedBy: string;
		facts: UnsignedFacts;
		origin: string;
		ip?: string;
		completedAt: string;
	}
): Promise<IssueResult> {
	const produced = await produceCertificateFor(input);
	if (!produced.ok) return produced;
	const c = produced.certificate;
	const f = input.facts;
	try {
		await db.transaction().execute(async (trx) => {
			const completed = await trx
				.updateTable('enrollments')
				.set({ status: 'completed', completed_at: input.completedAt })
				.where('id', '=', input.enrollmentId)
				.where('status', '=', 'active')
				.where('purged_at', 'is', null)
				.where('legal_name', '=', f.participantName)
				.where('date_of_birth', '=', f.dateOfBirth)
				.where('case_number', '=', f.caseNumber)
				.where((eb) => (f.offence === null ? eb('offence', 'is', null) : eb('offence', '=', f.offence)))
				.executeTakeFirst();
			if (Number(completed.numUpdatedRows) !== 1) throw new NotActive();
			await registerCertificate(trx, c, input);
			await audit(trx, {
				actorId: input.issuedBy,
				action: 'certificate.issue',
				targetType: 'certificate',
				targetId: c.id,
				ip: input.ip,
				details: { serial: f.serial, supersedes: null }
			});
		});
	} catch (e) {
		if (e instanceof NotActive) return { ok: false, reason: 'not_active' };
		throw e;
	}
	return { ok: true, certificateId: c.id, serial: f.serial, code: c.code };
}
