import type { CertificateFacts } from '../../domain/certificate-facts';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { config } from '../config';
import { newId, randomToken, sha256Hex as sha256Text } from '../ids';
import type { Db } from '../db';
import { signingKeys } from './certificate-keys';
import { produceInWorker } from './worker-pool';

export function hashVerificationCode(code: string): string {
	return sha256Text(`certificate-code:${normaliseVerificationCode(code)}`);
}

/** Codes are printed in groups of four; readers may type them with spaces, dashes or capitals. */
export function normaliseVerificationCode(code: string): string {
	return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function verifyUrl(origin: string, serial: string, code: string): string {
	return `${origin.replace(/\/$/, '')}/verify/${encodeURIComponent(serial)}?code=${encodeURIComponent(code)}`;
}

export type IssueResult = { ok: true; certificateId: string; serial: string; code: string } | { ok: false; reason: 'no_keys'; problem: string };

/**
 * Renders, signs and registers the certificate of a signed-off enrollment. The facts are taken by the
 * caller from the database; rendering and signing happen in a worker thread, outside any transaction.
 */
export async function issueCertificate(
	db: Db,
	input: { enrollmentId: string; programId: string; courtId: string; issuedBy: string; facts: Omit<CertificateFacts, 'keyId' | 'issuedAt'>; origin: string; supersedes?: string; ip?: string; completedAt?: string }
): Promise<IssueResult> {
	const k = signingKeys();
	if (!k.ok) return { ok: false, reason: 'no_keys', problem: k.problem };
	const { keys } = k;
	const issuedAt = clock.now();
	issuedAt.setUTCMilliseconds(0);
	const facts: CertificateFacts = { ...input.facts, issuedAt: issuedAt.toISOString(), keyId: keys.ed25519.keyId };
	const code = randomToken(16); // 128 bits
	const origin = config.publicOrigin ?? input.origin;
	// Render and both signatures run in a worker thread: ~50 ms of CPU that would stall other requests.
	const { signature, pdf, sha256 } = await produceInWorker({
		facts,
		code,
		verifyUrl: verifyUrl(origin, facts.serial, code),
		ed25519PrivateKey: keys.ed25519.privateKey,
		p12: keys.pdf.p12,
		passphrase: keys.pdf.passphrase,
		pdfSignature: {
			reason: `Certificate of completion ${facts.serial}`,
			name: facts.provider,
			location: facts.program,
			contactInfo: origin,
			signingTime: issuedAt
		}
	});
	const id = newId();
	await db.transaction().execute(async (trx) => {
		if (input.supersedes) {
			await trx.updateTable('certificates').set({ status: 'superseded', superseded_by: facts.serial }).where('id', '=', input.supersedes).where('status', '=', 'valid').execute();
		}
		await trx
			.insertInto('certificates')
			.values({
				id,
				serial: facts.serial,
				enrollment_id: input.enrollmentId,
				program_id: input.programId,
				court_id: input.courtId,
				code_hash: hashVerificationCode(code),
				facts_json: JSON.stringify(facts),
				ed25519_signature: signature,
				ed25519_key_id: keys.ed25519.keyId,
				pdf_key_id: keys.pdf.keyId,
				sha256,
				status: 'valid',
				issued_at: facts.issuedAt,
				issued_by: input.issuedBy,
				revoked_at: null,
				revoked_by: null,
				revoke_reason: null,
				superseded_by: null
			})
			.execute();
		await trx.insertInto('certificate_files').values({ certificate_id: id, pdf: Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength) }).execute();
		if (input.completedAt) {
			await trx.updateTable('enrollments').set({ status: 'completed', completed_at: input.completedAt }).where('id', '=', input.enrollmentId).execute();
		}
		await audit(trx, { actorId: input.issuedBy, action: 'certificate.issue', targetType: 'certificate', targetId: id, ip: input.ip, details: { serial: facts.serial, supersedes: input.supersedes ?? null } });
	});
	return { ok: true, certificateId: id, serial: facts.serial, code };
}
