import { PDFDocument } from 'pdf-lib';
import type { CertificateFacts } from '../../domain/certificate-facts';
import { policies, recordFailure, retryAfter } from '../auth/rate-limit';
import { hashVerificationCode } from '../certificates/issue';
import { sha256Hex } from '../certificates/sign';
import { clock } from '../clock';
import { constantTimeEqualHex, newId } from '../ids';
import type { Db } from '../db';
import type { CertificatesTable } from '../db/schema';
import { logVerification } from './verification-log';

export type Outcome = 'valid' | 'revoked' | 'superseded' | 'altered' | 'unknown';

/** What a verifier is shown: the certificate's facts and status, only to a holder of the code or file. */
export interface VerifiedCertificate {
	serial: string;
	status: 'valid' | 'revoked' | 'superseded';
	participantName: string;
	dateOfBirth: string;
	caseNumber: string;
	court: string;
	program: string;
	provider: string;
	completedAt: string;
	issuedAt: string;
	seatSeconds: number;
	signedOffBy: string;
	sha256: string;
	keyId: string;
	revokedAt: string | null;
	revokeReason: string | null;
	supersededBy: string | null;
	/** Set once the retention period has run: name, date of birth and case number are then empty. */
	personalDataRemovedAt: string | null;
	/** The signed facts and their Ed25519 signature, so anyone can check them without our software. */
	facts: CertificateFacts;
	signature: string;
}

export type VerifyResult =
	| { outcome: Outcome; certificate: VerifiedCertificate | null; reason?: string; match?: boolean }
	| { outcome: 'rate_limited'; retryAfter: number };

export function publicView(c: CertificatesTable): VerifiedCertificate {
	const f = JSON.parse(c.facts_json) as CertificateFacts & { purgedAt?: string };
	return {
		serial: c.serial,
		status: c.status,
		participantName: f.participantName,
		dateOfBirth: f.dateOfBirth,
		caseNumber: f.caseNumber,
		court: f.court,
		program: f.program,
		provider: f.provider,
		completedAt: f.completedAt,
		issuedAt: c.issued_at,
		seatSeconds: f.seatSeconds,
		signedOffBy: f.signedOffBy,
		sha256: c.sha256,
		keyId: c.ed25519_key_id,
		revokedAt: c.revoked_at,
		revokeReason: c.revoke_reason,
		supersededBy: c.superseded_by,
		personalDataRemovedAt: f.purgedAt ?? null,
		facts: f,
		signature: c.ed25519_signature
	};
}

interface Context {
	method: 'link' | 'typed' | 'upload' | 'api';
	userId: string | null;
	ip: string;
}

/** Each verification is logged (time, outcome, who if logged in) before it is answered; see verification-log.ts. */
function log(db: Db, ctx: Context, serial: string | null, certificateId: string | null, outcome: string): Promise<void> {
	return logVerification(db, { id: newId(), at: clock.iso(), method: ctx.method, serial: serial?.slice(0, 64) ?? null, certificate_id: certificateId, outcome, user_id: ctx.userId });
}

/** Serial + code: a wrong code looks exactly like an unknown serial, and both count toward the limit. */
export async function verifyByCode(db: Db, serialInput: string, code: string, ctx: Context): Promise<VerifyResult> {
	const limitKey = `verify:ip:${ctx.ip}`;
	const wait = await retryAfter(db, limitKey);
	if (wait > 0) return { outcome: 'rate_limited', retryAfter: wait };
	const serial = serialInput.trim().toUpperCase();
	const cert = serial.length <= 64 ? await db.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirst() : undefined;
	if (!cert || !constantTimeEqualHex(hashVerificationCode(code), cert.code_hash)) {
		await recordFailure(db, limitKey, policies.verification);
		await log(db, ctx, serial, null, 'unknown');
		return { outcome: 'unknown', certificate: null };
	}
	await log(db, ctx, serial, cert.id, cert.status);
	return { outcome: cert.status, certificate: publicView(cert) };
}

/** An uploaded PDF: byte-identical to an issued file, or carrying a serial whose file differs (altered). */
export async function verifyUpload(db: Db, bytes: Uint8Array, ctx: Context): Promise<VerifyResult> {
	const limitKey = `verify:ip:${ctx.ip}`;
	const wait = await retryAfter(db, limitKey);
	if (wait > 0) return { outcome: 'rate_limited', retryAfter: wait };
	if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') {
		await log(db, ctx, null, null, 'not_pdf');
		return { outcome: 'unknown', certificate: null, match: false, reason: 'The file is not a PDF.' };
	}
	const sha = sha256Hex(Buffer.from(bytes));
	const cert = await db.selectFrom('certificates').selectAll().where('sha256', '=', sha).executeTakeFirst();
	if (cert) {
		await log(db, ctx, cert.serial, cert.id, cert.status);
		return { outcome: cert.status, certificate: publicView(cert), match: true };
	}
	const serial = await claimedSerial(bytes);
	const claimed = serial ? await db.selectFrom('certificates').select(['id', 'serial']).where('serial', '=', serial).executeTakeFirst() : undefined;
	if (claimed) {
		await log(db, ctx, claimed.serial, claimed.id, 'altered');
		return {
			outcome: 'altered',
			certificate: null,
			match: false,
			reason: `This file claims to be certificate ${claimed.serial}, but it is not the file that was issued: it has been changed.`
		};
	}
	await recordFailure(db, limitKey, policies.verification);
	await log(db, ctx, null, null, 'unknown');
	return {
		outcome: 'unknown',
		certificate: null,
		match: false,
		reason: serial === undefined ? 'The file could not be read as a PDF (it may be damaged).' : 'No certificate was issued with this file.'
	};
}

/** The serial a certificate PDF names in its metadata; undefined when the PDF cannot be parsed. */
async function claimedSerial(bytes: Uint8Array): Promise<string | null | undefined> {
	try {
		const doc = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
		const text = `${doc.getTitle() ?? ''} ${doc.getKeywords() ?? ''}`;
		return text.match(/\b[A-Z][A-Z0-9]{0,9}-\d{4}-\d{6,}\b/)?.[0] ?? null;
	} catch {
		return undefined;
	}
}
