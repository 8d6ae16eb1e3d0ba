import { parseStoredFacts, type CertificateFacts, type UnsignedFacts } from '../../domain/certificate-facts';
import { cleanLine, lineProblem, nfc } from '../../domain/text';
import { normaliseCaseNumber } from '../../domain/enrollment-code';
import { mayManageProgram, programsInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { signingKeys } from './certificate-keys';
import { assertSignable, nfcDeep, recordFacts } from './gather-facts';
import { newId } from '../ids';
import { produceCertificateFor, registerCertificate, type ProducedCertificate } from './issue';
import {
	abandonClaim,
	abandonPendingOf,
	expireStaleClaims,
	type AbandonReason,
	type FactChange
} from './reissue-claims';
import { nextSerial } from './serials';

/** The admin's programs' certificates, newest first. */
export async function listCertificates(db: Db, admin: UserIdentity) {
	const programs = programsInScope(admin, 'admin');
	if (!programs.length) return [];
	const rows = await db
		.selectFrom('certificates')
		.select(['id', 'serial', 'status', 'issued_at', 'facts_json', 'revoke_reason', 'superseded_by'])
		.where('program_id', 'in', programs)
		.orderBy('issued_at', 'desc')
		.limit(500)
		.execute();
	return rows.map(({ facts_json, ...r }) => {
		const f = parseStoredFacts(facts_json);
		return {
			...r,
			participantName: f.purgedAt ? '(personal data removed)' : f.participantName,
			caseNumber: f.purgedAt ? '' : f.caseNumber
		};
	});
}

export async function certificateForAdmin(db: Db, admin: UserIdentity, certificateId: string) {
	const c = await db.selectFrom('certificates').selectAll().where('id', '=', certificateId).executeTakeFirst();
	if (!c || !mayManageProgram(admin, c.program_id, 'admin')) return undefined;
	return { ...c, facts: parseStoredFacts(c.facts_json) };
}

/** The longest reason a revocation or correction may give (both are shown to verifiers). */
export const REASON_MAX = 500;

/**
 * A stated reason, as verifiers will read it: one line, no control or direction characters, in
 * NFC, trimmed, 5 to REASON_MAX characters. The form says the same at the field (forms.ts f.line);
 * this is the rule for every caller.
 */
export function statedReason(
	raw: string
): { ok: true; reason: string } | { ok: false; reason: 'reason_required' | 'reason_invalid' } {
	if (lineProblem(raw)) return { ok: false, reason: 'reason_invalid' };
	const reason = cleanLine(raw);
	if (reason.length < 5) return { ok: false, reason: 'reason_required' };
	if (reason.length > REASON_MAX) return { ok: false, reason: 'reason_invalid' };
	return { ok: true, reason };
}

export type RevokeResult =
	| { ok: true }
	| { ok: false; reason: 'not_found' | 'not_valid' | 'reason_required' | 'reason_invalid' }
	| { ok: false; reason: 'superseded'; by: { id: string; serial: string } };

const one = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows) === 1;

/**
 * Revokes a valid certificate. A correction under way loses: its claim is closed here, and its
 * final step, finding the certificate no longer valid, registers nothing. A certificate already
 * replaced by a correction is not revoked; the admin is told which serial replaced it.
 */
export async function revokeCertificate(
	db: Db,
	admin: UserIdentity,
	certificateId: string,
	reason: string,
	ip?: string
): Promise<RevokeResult> {
	const c = await certificateForAdmin(db, admin, certificateId);
	if (!c) return { ok: false, reason: 'not_found' };
	const stated = statedReason(reason);
	if (!stated.ok) return stated;
	return db.transaction().execute(async (trx): Promise<RevokeResult> => {
		const res = await trx
			.updateTable('certificates')
			.set({ status: 'revoked', revoked_at: clock.iso(), revoked_by: admin.id, revoke_reason: stated.reason })
			.where('id', '=', c.id)
			.where('status', '=', 'valid')
			.executeTakeFirst();
		if (!one(res)) {
			const now = await trx
				.selectFrom('certificates')
				.select(['status', 'superseded_by'])
				.where('id', '=', c.id)
				.executeTakeFirstOrThrow();
			const by =
				now.status === 'superseded' && now.superseded_by
					? await trx
							.selectFrom('certificates')
							.select(['id', 'serial'])
							.where('serial', '=', now.superseded_by)
							.executeTakeFirst()
					: undefined;
			return by ? { ok: false, reason: 'superseded', by } : { ok: false, reason: 'not_valid' };
		}
		await abandonPendingOf(trx, c.id, 'revoked', admin.id, ip);
		await audit(trx, {
			actorId: admin.id,
			action: 'certificate.revoke',
			targetType: 'certificate',
			targetId: c.id,
			ip,
			details: { serial: c.serial }
		});
		return { ok: true };
	});
}

export interface Correction {
	legalName: string;
	dateOfBirth: string;
	caseNumber: string;
	offence: string | null;
	/** YYYY-MM-DD or null (none); left out: unchanged */
	offenceDate?: string | null;
	reason: string;
}

type Refusal =
	| 'not_found'
	| 'not_valid'
	| 'purged'
	| 'reason_required'
	| 'reason_invalid'
	| 'no_keys'
	| 'duplicate_case'
	| 'correction_under_way';
export type ReissueResult =
	| { ok: true; serial: string; certificateId: string }
	| { ok: false; reason: Refusal | 'revoked_meanwhile' | 'correction_expired' };

type Next = {
	legal_name: string;
	date_of_birth: string;
	case_number: string;
	offence: string | null;
	offence_date: string | null;
};

/** What a claimed correction needs to finish: the serial it holds, the new facts, the referral's new columns. */
export interface ReissueClaim {
	id: string;
	serial: string;
	certificateId: string;
	certificateSerial: string;
	enrollmentId: string;
	programId: string;
	courtId: string;
	next: Next;
	changes: FactChange[];
	facts: UnsignedFacts;
}

const FIELDS = ['legal_name', 'date_of_birth', 'case_number', 'offence', 'offence_date'] as const;

type Carried = Omit<
	UnsignedFacts,
	'serial' | 'participantName' | 'dateOfBirth' | 'caseNumber' | 'offence' | 'offenceDate' | 'replacesSerial'
>;

/**
 * What a reissue carries over from the certificate it replaces: its completion facts, unchanged. A
 * version-1 certificate's are carried into version 2, which takes the facts version 1 never had
 * from the records as they are at the reissue. Read before the claim: none of it is corrected.
 */
async function carriedFacts(db: Db, old: CertificateFacts, enrollmentId: string): Promise<Carried> {
	const {
		keyId: _k,
		issuedAt: _i,
		purgedAt: _p,
		serial: _s,
		participantName: _n,
		dateOfBirth: _d,
		caseNumber: _c,
		offence: _o,
		...rest
	} = old as CertificateFacts & { purgedAt?: string };
	if (rest.v === 2) {
		const { offenceDate: _od, replacesSerial: _r, ...completion } = rest;
		return completion;
	}
	const enrollment = await db
		.selectFrom('enrollments')
		.selectAll()
		.where('id', '=', enrollmentId)
		.executeTakeFirstOrThrow();
	const signer = await db
		.selectFrom('signoffs')
		.innerJoin('users', 'users.id', 'signoffs.facilitator_id')
		.select('users.title')
		.where('signoffs.enrollment_id', '=', enrollmentId)
		.executeTakeFirst();
	// Version 1 canonicalised into NFC itself; version 2 signs the bytes as they are.
	return { ...nfcDeep(rest), v: 2, ...(await recordFacts(db, enrollment, { title: signer?.title ?? null })) };
}

/**
 * Step 1 of a reissue, in one short transaction: the certificate is still valid (its row locked,
 * so a revocation waits or has won), no other correction of it is pending, the new case number is
 * free; then a serial is allocated and the claim recorded. A refusal allocates no serial.
 */
export async function claimReissue(
	db: Db,
	admin: UserIdentity,
	certificateId: string,
	fix: Correction,
	ip?: string
): Promise<{ ok: true; claim: ReissueClaim } | { ok: false; reason: Refusal }> {
	const c = await certificateForAdmin(db, admin, certificateId);
	if (!c) return { ok: false, reason: 'not_found' };
	if (c.status !== 'valid') return { ok: false, reason: 'not_valid' };
	// The completion facts a reissue carries over include the attestation's name: gone after a purge.
	if (c.facts.purgedAt) return { ok: false, reason: 'purged' };
	const stated = statedReason(fix.reason);
	if (!stated.ok) return stated;
	if (!signingKeys().ok) return { ok: false, reason: 'no_keys' };
	const program = await db
		.selectFrom('programs')
		.select(['id', 'serial_prefix'])
		.where('id', '=', c.program_id)
		.executeTakeFirstOrThrow();
	const carried = await carriedFacts(db, c.facts, c.enrollment_id);
	const next = {
		legal_name: nfc(fix.legalName.trim()),
		date_of_birth: fix.dateOfBirth,
		case_number: normaliseCaseNumber(fix.caseNumber),
		offence: nfc(fix.offence?.trim() || null),
		offence_date: fix.offenceDate === undefined ? null : fix.offenceDate || null
	};
	try {
		return await db.transaction().execute(async (trx) => {
			// Lock order, here and in finishReissue, revokeCertificate, the sign-off and the retention
			// purge: enrollment, certificate, correction claims, serial counter, audit head (always last).
			const locked = await trx
				.updateTable('certificates')
				.set((eb) => ({ status: eb.ref('status') }))
				.where('id', '=', c.id)
				.where('status', '=', 'valid')
				.executeTakeFirst();
			if (!one(locked)) return { ok: false as const, reason: 'not_valid' as const };
			const auditExpired = await expireStaleClaims(trx);
			const refuse = async (reason: 'correction_under_way' | 'purged' | 'duplicate_case') => {
				await auditExpired();
				return { ok: false as const, reason };
			};
			const pending = await trx
				.selectFrom('certificate_corrections')
				.select('id')
				.where('certificate_id', '=', c.id)
				.where('outcome', '=', 'pending')
				.executeTakeFirst();
			if (pending) return refuse('correction_under_way');
			const e = await trx
				.selectFrom('enrollments')
				.select(['legal_name', 'date_of_birth', 'case_number', 'offence', 'offence_date', 'purged_at'])
				.where('id', '=', c.enrollment_id)
				.executeTakeFirstOrThrow();
			if (e.purged_at) return refuse('purged');
			if (fix.offenceDate === undefined) next.offence_date = e.offence_date;
			const clash = await trx
				.selectFrom('enrollments')
				.select('id')
				.where('court_id', '=', c.court_id)
				.where('case_number', '=', next.case_number)
				.where('id', '!=', c.enrollment_id)
				.executeTakeFirst();
			if (clash) return refuse('duplicate_case');
			const changes: FactChange[] = FIELDS.filter((k) => (e[k] ?? null) !== next[k]).map((k) => ({
				field: k,
				old: e[k] ?? null,
				new: next[k]
			}));
			const serial = await nextSerial(trx, program);
			const id = newId();
			await trx
				.insertInto('certificate_corrections')
				.values({
					id,
					certificate_id: c.id,
					enrollment_id: c.enrollment_id,
					serial,
					reason: stated.reason,
					changes_json: JSON.stringify(changes),
					created_by: admin.id,
					started_at: clock.iso(),
					finished_at: null,
					outcome: 'pending',
					abandoned_because: null
				})
				.execute();
			await auditExpired();
			await audit(trx, {
				actorId: admin.id,
				action: 'certificate.correction.claim',
				targetType: 'certificate',
				targetId: c.id,
				ip,
				details: { correction: id, serial, fields: changes.map((x) => x.field).join(',') }
			});
			const facts: UnsignedFacts = {
				...carried,
				serial,
				participantName: next.legal_name,
				dateOfBirth: next.date_of_birth,
				caseNumber: next.case_number,
				offence: next.offence,
				offenceDate: next.offence_date,
				replacesSerial: c.serial
			};
			assertSignable(facts);
			const claim: ReissueClaim = {
				id,
				serial,
				certificateId: c.id,
				certificateSerial: c.serial,
				enrollmentId: c.enrollment_id,
				programId: c.program_id,
				courtId: c.court_id,
				next,
				changes,
				facts
			};
			return { ok: true as const, claim };
		});
	} catch (err) {
		// The one-pending-per-certificate index: a claim committed between our check and our insert.
		if (isUniqueViolation(err)) return { ok: false, reason: 'correction_under_way' };
		throw err;
	}
}

/** (court, case number) is unique: another referral took the new case number after the claim checked it. */
function isCaseNumberClash(err: unknown): boolean {
	const e = err as { message?: string; constraint?: string };
	return (
		isUniqueViolation(err) &&
		/enrollments_court_case_uq|enrollments\.case_number/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)
	);
}

class Abandoned extends Error {
	constructor(readonly because: AbandonReason) {
		super(because);
	}
}

/**
 * Step 3, one transaction that checks each thing it changes: the referral is not purged, the old
 * certificate is still valid (not revoked meanwhile) and this claim is still pending (not expired);
 * then the new certificate is registered. Otherwise it rolls back and the claim is abandoned.
 */
async function finishReissue(
	db: Db,
	admin: UserIdentity,
	claim: ReissueClaim,
	produced: ProducedCertificate,
	ip?: string
): Promise<ReissueResult> {
	try {
		await db.transaction().execute(async (trx) => {
			const corrected = await trx
				.updateTable('enrollments')
				.set(claim.next)
				.where('id', '=', claim.enrollmentId)
				.where('purged_at', 'is', null)
				.executeTakeFirst();
			if (!one(corrected)) throw new Abandoned('purged');
			const superseded = await trx
				.updateTable('certificates')
				.set({ status: 'superseded', superseded_by: claim.serial })
				.where('id', '=', claim.certificateId)
				.where('status', '=', 'valid')
				.executeTakeFirst();
			if (!one(superseded)) throw new Abandoned('revoked');
			const closed = await trx
				.updateTable('certificate_corrections')
				.set({ outcome: 'issued', finished_at: clock.iso() })
				.where('id', '=', claim.id)
				.where('outcome', '=', 'pending')
				.executeTakeFirst();
			if (!one(closed)) throw new Abandoned('expired');
			await registerCertificate(trx, produced, {
				enrollmentId: claim.enrollmentId,
				programId: claim.programId,
				courtId: claim.courtId,
				issuedBy: admin.id
			});
			const fields = claim.changes.map((x) => x.field).join(',');
			await audit(trx, {
				actorId: admin.id,
				action: 'enrollment.correct',
				targetType: 'enrollment',
				targetId: claim.enrollmentId,
				ip,
				details: { certificate: claim.certificateSerial, correction: claim.id, fields }
			});
			await audit(trx, {
				actorId: admin.id,
				action: 'certificate.issue',
				targetType: 'certificate',
				targetId: produced.id,
				ip,
				details: { serial: claim.serial, supersedes: claim.certificateId, correction: claim.id }
			});
		});
	} catch (err) {
		const because = err instanceof Abandoned ? err.because : isCaseNumberClash(err) ? 'duplicate_case' : null;
		await abandonClaim(db, claim, because ?? 'failed', admin.id, ip);
		if (!because) throw err;
		const reason = (
			{
				revoked: 'revoked_meanwhile',
				expired: 'correction_expired',
				purged: 'purged',
				duplicate_case: 'duplicate_case'
			} as const
		)[because as 'revoked' | 'expired' | 'purged' | 'duplicate_case'];
		return { ok: false, reason };
	}
	return { ok: true, serial: claim.serial, certificateId: produced.id };
}

/**
 * Corrects the referral's facts and issues a new certificate; the old serial then verifies as
 * superseded. Completion facts (dates, seat time, attestation, sign-off) are carried over unchanged.
 * Claim (short transaction), render and sign (worker thread, no transaction), finish (one
 * transaction): a revocation at any point wins, and a second correction is refused meanwhile.
 */
export async function reissueCertificate(
	db: Db,
	admin: UserIdentity,
	certificateId: string,
	fix: Correction,
	origin: string,
	ip?: string
): Promise<ReissueResult> {
	const claimed = await claimReissue(db, admin, certificateId, fix, ip);
	if (!claimed.ok) return claimed;
	const { claim } = claimed;
	let produced;
	try {
		produced = await produceCertificateFor({ facts: claim.facts, origin });
	} catch (err) {
		await abandonClaim(db, claim, 'failed', admin.id, ip);
		throw err;
	}
	if (!produced.ok) {
		await abandonClaim(db, claim, 'no_keys', admin.id, ip);
		return { ok: false, reason: 'no_keys' };
	}
	return finishReissue(db, admin, claim, produced.certificate, ip);
}
