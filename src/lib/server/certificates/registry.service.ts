import type { CertificateFacts } from '../../domain/certificate-facts';
import { normaliseCaseNumber } from '../../domain/enrollment-code';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { signingKeys } from './certificate-keys';
import { issueCertificate } from './issue';
import { nextSerial } from './serials';

function isProgramAdmin(user: UserIdentity, programId: string): boolean {
	return user.roles.includes('admin') && user.programIds.includes(programId);
}

/** The admin's programs' certificates, newest first. */
export async function listCertificates(db: Db, admin: UserIdentity) {
	if (!admin.roles.includes('admin') || admin.programIds.length === 0) return [];
	const rows = await db
		.selectFrom('certificates')
		.select(['id', 'serial', 'status', 'issued_at', 'facts_json', 'revoke_reason', 'superseded_by'])
		.where('program_id', 'in', admin.programIds)
		.orderBy('issued_at', 'desc')
		.limit(500)
		.execute();
	return rows.map(({ facts_json, ...r }) => {
		const f = JSON.parse(facts_json) as CertificateFacts & { purgedAt?: string };
		return { ...r, participantName: f.purgedAt ? '(personal data removed)' : f.participantName, caseNumber: f.purgedAt ? '' : f.caseNumber };
	});
}

export async function certificateForAdmin(db: Db, admin: UserIdentity, certificateId: string) {
	const c = await db.selectFrom('certificates').selectAll().where('id', '=', certificateId).executeTakeFirst();
	if (!c || !isProgramAdmin(admin, c.program_id)) return undefined;
	return { ...c, facts: JSON.parse(c.facts_json) as CertificateFacts & { purgedAt?: string } };
}

export type RevokeResult = { ok: true } | { ok: false; reason: 'not_found' | 'not_valid' | 'reason_required' };

export async function revokeCertificate(db: Db, admin: UserIdentity, certificateId: string, reason: string, ip?: string): Promise<RevokeResult> {
	const c = await certificateForAdmin(db, admin, certificateId);
	if (!c) return { ok: false, reason: 'not_found' };
	if (reason.trim().length < 5) return { ok: false, reason: 'reason_required' };
	return db.transaction().execute(async (trx) => {
		const res = await trx
			.updateTable('certificates')
			.set({ status: 'revoked', revoked_at: clock.iso(), revoked_by: admin.id, revoke_reason: reason.trim() })
			.where('id', '=', c.id)
			.where('status', '=', 'valid')
			.executeTakeFirst();
		if (Number(res.numUpdatedRows) !== 1) return { ok: false as const, reason: 'not_valid' as const };
		await audit(trx, { actorId: admin.id, action: 'certificate.revoke', targetType: 'certificate', targetId: c.id, ip, details: { serial: c.serial } });
		return { ok: true as const };
	});
}

export interface Correction {
	legalName: string;
	dateOfBirth: string;
	caseNumber: string;
	offence: string | null;
	reason: string;
}

export type ReissueResult = { ok: true; serial: string; certificateId: string } | { ok: false; reason: 'not_found' | 'not_valid' | 'purged' | 'reason_required' | 'no_keys' | 'duplicate_case' };

/**
 * Corrects the referral's facts and issues a new certificate; the old serial then verifies as
 * superseded. Completion facts (dates, seat time, attestation, sign-off) are carried over unchanged.
 */
export async function reissueCertificate(db: Db, admin: UserIdentity, certificateId: string, fix: Correction, origin: string, ip?: string): Promise<ReissueResult> {
	const c = await certificateForAdmin(db, admin, certificateId);
	if (!c) return { ok: false, reason: 'not_found' };
	if (c.status !== 'valid') return { ok: false, reason: 'not_valid' };
	// The completion facts a reissue carries over include the attestation's name: gone after a purge.
	if (c.facts.purgedAt) return { ok: false, reason: 'purged' };
	if (fix.reason.trim().length < 5) return { ok: false, reason: 'reason_required' };
	if (!signingKeys().ok) return { ok: false, reason: 'no_keys' };
	const program = await db.selectFrom('programs').select(['id', 'serial_prefix']).where('id', '=', c.program_id).executeTakeFirstOrThrow();
	const caseNumber = normaliseCaseNumber(fix.caseNumber);
	let serial: string;
	try {
		serial = await db.transaction().execute(async (trx) => {
			await trx
				.updateTable('enrollments')
				.set({ legal_name: fix.legalName.trim(), date_of_birth: fix.dateOfBirth, case_number: caseNumber, offence: fix.offence?.trim() || null })
				.where('id', '=', c.enrollment_id)
				.execute();
			await audit(trx, { actorId: admin.id, action: 'enrollment.correct', targetType: 'enrollment', targetId: c.enrollment_id, ip, details: { certificate: c.serial } });
			return nextSerial(trx, program);
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'duplicate_case' };
		throw e;
	}
	const { keyId: _k, issuedAt: _i, ...rest } = c.facts;
	const r = await issueCertificate(db, {
		enrollmentId: c.enrollment_id,
		programId: c.program_id,
		courtId: c.court_id,
		issuedBy: admin.id,
		origin,
		ip,
		supersedes: c.id,
		facts: { ...rest, serial, participantName: fix.legalName.trim(), dateOfBirth: fix.dateOfBirth, caseNumber, offence: fix.offence?.trim() || null }
	});
	if (!r.ok) return { ok: false, reason: 'no_keys' };
	return { ok: true, serial: r.serial, certificateId: r.certificateId };
}
