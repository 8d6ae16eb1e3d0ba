import { parseStoredFacts, type CertificateFacts } from '../../domain/certificate-facts';
import { limitAddress, policies, recordFailure, retryAfter, retryAfterAny } from '../auth/rate-limit';
import { hashVerificationCode } from '../certificates/issue';
import { clock } from '../clock';
import { constantTimeEqualHex, newId, sha256Hex } from '../ids';
import type { Db } from '../db';
import type { CertificatesTable } from '../db/schema';
import { claimedSerial } from './claimed-serial';
import { certificateHistory, type CertificateHistory } from './history';
import { logVerification } from './verification-log';

export type Outcome = 'valid' | 'revoked' | 'superseded' | 'altered' | 'unknown' | 'unreadable' | 'packet';

/**
 * A genuine court evidence packet, as an uploader is told of it: that the program made it, when, for
 * which court, by which kind of staff member. Not the participant: the file in hand shows him to
 * whoever holds it, and an anonymous check must not turn a copy into a confirmed identity.
 */
export interface VerifiedPacket {
	number: string;
	madeAt: string;
	madeAs: 'court' | 'facilitator' | 'admin';
	program: string;
	provider: string;
	court: string;
	sha256: string;
}

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
	/** the TSA's time in the PDF signature's time-stamp; null: it carries none (no independent time) */
	timestampedAt: string | null;
	/** Set once the retention period has run: name, date of birth and case number are then empty. */
	personalDataRemovedAt: string | null;
	/** The signed facts and their Ed25519 signature, so anyone can check them without our software. */
	facts: CertificateFacts;
	signature: string;
	/** the corrections around this serial and, when superseded, the current end of its chain (history.ts) */
	history: CertificateHistory;
}

export type VerifyResult =
	| {
			outcome: Outcome;
			certificate: VerifiedCertificate | null;
			reason?: string;
			match?: boolean;
			packet?: VerifiedPacket;
	  }
	| { outcome: 'rate_limited'; retryAfter: number };

export type UploadResult =
	| VerifyResult
	/** The PDF reader thread has too many files waiting: nothing was decided, try again shortly. */
	| { outcome: 'busy'; retryAfter: number };

export async function publicView(db: Db, c: CertificatesTable): Promise<VerifiedCertificate> {
	const f = parseStoredFacts(c.facts_json);
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
		timestampedAt: c.timestamped_at ?? null,
		personalDataRemovedAt: f.purgedAt ?? null,
		facts: f,
		signature: c.ed25519_signature,
		history: await certificateHistory(db, c)
	};
}

async function findPacket(db: Db, by: 'sha256' | 'number', value: string): Promise<VerifiedPacket | undefined> {
	const p = await db
		.selectFrom('evidence_packets as p')
		.innerJoin('programs', 'programs.id', 'p.program_id')
		.innerJoin('courts', 'courts.id', 'p.court_id')
		.select([
			'p.number',
			'p.made_at',
			'p.made_as',
			'p.sha256',
			'programs.name as program',
			'programs.provider',
			'courts.name as court'
		])
		.where(by === 'sha256' ? 'p.sha256' : 'p.number', '=', value)
		.executeTakeFirst();
	return (
		p && {
			number: p.number,
			madeAt: p.made_at,
			madeAs: p.made_as,
			program: p.program,
			provider: p.provider,
			court: p.court,
			sha256: p.sha256
		}
	);
}

interface Context {
	method: 'link' | 'typed' | 'upload' | 'api';
	userId: string | null;
	ip: string;
}

/** Each verification is logged (time, outcome, who if logged in) before it is answered; see verification-log.ts. */
function log(
	db: Db,
	ctx: Context,
	serial: string | null,
	certificateId: string | null,
	outcome: string
): Promise<void> {
	return logVerification(db, {
		id: newId(),
		at: clock.iso(),
		method: ctx.method,
		serial: serial?.slice(0, 64) ?? null,
		certificate_id: certificateId,
		outcome,
		user_id: ctx.userId
	});
}

/** Serial + code: a wrong code looks exactly like an unknown serial, and both count toward the limit. */
export async function verifyByCode(db: Db, serialInput: string, code: string, ctx: Context): Promise<VerifyResult> {
	const limitKey = `verify:ip:${limitAddress(ctx.ip)}`;
	const wait = await retryAfter(db, limitKey);
	if (wait > 0) return { outcome: 'rate_limited', retryAfter: wait };
	const serial = serialInput.trim().toUpperCase();
	const cert =
		serial.length <= 64
			? await db.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirst()
			: undefined;
	if (!cert || !constantTimeEqualHex(hashVerificationCode(code), cert.code_hash)) {
		await recordFailure(db, limitKey, policies.verification);
		await log(db, ctx, serial, null, 'unknown');
		return { outcome: 'unknown', certificate: null };
	}
	await log(db, ctx, serial, cert.id, cert.status);
	return { outcome: cert.status, certificate: await publicView(db, cert) };
}

/** Why an upload that matches no issued file was not verified (shown as the reason, and in the API's `reason`). */
const uploadReasons = {
	not_pdf: 'The file is not a PDF.',
	unknown: 'No certificate was issued with this file.',
	unreadable:
		'The file could not be read as a PDF: it may be damaged, or built in a way this check does not accept. Upload the certificate exactly as you received it.'
};

/**
 * An uploaded PDF: byte-identical to an issued file, or carrying a serial whose file differs (altered).
 * Every upload counts toward the per-address upload limit before any work is done, and every answer
 * other than a match counts as a failed check, as a wrong code does (rate-limit.ts). The file is never
 * parsed on this thread: see claimed-serial.ts.
 */
export async function verifyUpload(db: Db, bytes: Uint8Array, ctx: Context): Promise<UploadResult> {
	const failKey = `verify:ip:${limitAddress(ctx.ip)}`;
	const uploadKey = `verify:upload:ip:${limitAddress(ctx.ip)}`;
	const wait = await retryAfterAny(db, [failKey, uploadKey]);
	if (wait > 0) return { outcome: 'rate_limited', retryAfter: wait };
	// Counted first, so uploads sent all at once cannot pass the limit together.
	if ((await recordFailure(db, uploadKey, policies.verificationUpload)) > policies.verificationUpload.freeFailures) {
		return { outcome: 'rate_limited', retryAfter: await retryAfter(db, uploadKey) };
	}

	/** A check that found nothing: counted, logged, answered (unless parallel ones went past the limit meanwhile). */
	const failed = async (
		outcome: 'unknown' | 'unreadable' | 'not_pdf' | 'altered' | 'packet_altered',
		reason: string,
		claimed?: { id: string | null; serial: string }
	): Promise<VerifyResult> => {
		const failures = await recordFailure(db, failKey, policies.verification);
		await log(db, ctx, claimed?.serial ?? null, claimed?.id ?? null, outcome);
		if (failures > policies.verification.freeFailures + 1)
			return { outcome: 'rate_limited', retryAfter: await retryAfter(db, failKey) };
		const shown = outcome === 'not_pdf' ? 'unknown' : outcome === 'packet_altered' ? 'altered' : outcome;
		return { outcome: shown, certificate: null, match: false, reason };
	};

	if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') return failed('not_pdf', uploadReasons.not_pdf);
	const sha = sha256Hex(bytes);
	const cert = await db.selectFrom('certificates').selectAll().where('sha256', '=', sha).executeTakeFirst();
	if (cert) {
		await log(db, ctx, cert.serial, cert.id, cert.status);
		return { outcome: cert.status, certificate: await publicView(db, cert), match: true };
	}
	const packet = await findPacket(db, 'sha256', sha);
	if (packet) {
		await log(db, ctx, packet.number, null, 'packet');
		return { outcome: 'packet', certificate: null, match: true, packet };
	}
	const claim = await claimedSerial(bytes);
	if (claim.kind === 'busy') {
		await log(db, ctx, null, null, 'busy');
		return { outcome: 'busy', retryAfter: 60 };
	}
	if (claim.kind === 'unreadable') return failed('unreadable', uploadReasons.unreadable);
	if (claim.kind === 'packet') {
		const p = await findPacket(db, 'number', claim.number);
		if (p)
			return failed(
				'packet_altered',
				`This file claims to be court evidence packet ${p.number}, made on ${p.madeAt.slice(0, 10)}, but it is not the file the program made: it has been changed.`,
				{ id: null, serial: p.number }
			);
		return failed('unknown', uploadReasons.unknown);
	}
	const claimed =
		claim.kind === 'serial'
			? await db
					.selectFrom('certificates')
					.select(['id', 'serial'])
					.where('serial', '=', claim.serial)
					.executeTakeFirst()
			: undefined;
	if (claimed)
		return failed(
			'altered',
			`This file claims to be certificate ${claimed.serial}, but it is not the file that was issued: it has been changed.`,
			claimed
		);
	return failed('unknown', uploadReasons.unknown);
}
