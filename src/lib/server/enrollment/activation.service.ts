import { normaliseCaseNumber } from '../../domain/enrollment-code';
import { NOTICE_VERSION } from '../../domain/notice';
import type { PasswordProblem } from '../../domain/password-policy';
import { passwordProblem } from '../auth/password-blocklist';
import { audit, auditAlone } from '../audit/audit';
import { hashPassword } from '../auth/password';
import { limitAddress, policies, recordFailure, retryAfter } from '../auth/rate-limit';
import { createSession } from '../auth/session';
import { clock } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import { currentVersionId } from '../curriculum/curriculum.service';
import { refreshUnlocked } from '../learning/unlocks';
import { normaliseEmail } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { hashEnrollmentCode } from './referral.service';

export interface ActivationInput {
	code: string;
	dateOfBirth: string;
	caseNumber: string;
	email: string;
	password: string;
	noticeAcknowledged: boolean;
	ip: string;
	device?: string | null;
}

export type ActivationResult =
	| { ok: true; token: string; userId: string }
	| { ok: false; reason: 'rate_limited'; retryAfter: number }
	| {
			ok: false;
			reason:
				| 'invalid_code'
				| 'code_used'
				| 'code_expired'
				| 'details_mismatch'
				| 'email_taken'
				| 'notice_required'
				| 'no_curriculum';
	  }
	| { ok: false; reason: 'weak_password'; problem: PasswordProblem };

export async function activate(db: Db, input: ActivationInput): Promise<ActivationResult> {
	const limitKey = `enroll:ip:${limitAddress(input.ip)}`;
	const wait = await retryAfter(db, limitKey);
	if (wait > 0) return { ok: false, reason: 'rate_limited', retryAfter: wait };

	const enrollment = await db
		.selectFrom('enrollments')
		.select([
			'id',
			'program_id',
			'legal_name',
			'date_of_birth',
			'case_number',
			'code_used_at',
			'code_expires_at',
			'status'
		])
		.where('code_hash', '=', hashEnrollmentCode(input.code))
		.executeTakeFirst();
	const fail = async (reason: 'invalid_code' | 'details_mismatch') => {
		await recordFailure(db, limitKey, policies.enrollmentCode);
		await auditAlone(db, {
			actorId: null,
			action: 'enrollment.activate',
			outcome: 'failure',
			ip: input.ip,
			targetType: 'enrollment',
			targetId: enrollment?.id ?? null,
			details: { reason }
		});
		return { ok: false as const, reason };
	};
	if (!enrollment) return fail('invalid_code');
	if (
		enrollment.date_of_birth !== input.dateOfBirth ||
		enrollment.case_number !== normaliseCaseNumber(input.caseNumber)
	)
		return fail('details_mismatch');
	if (enrollment.code_used_at || enrollment.status !== 'referred') return { ok: false, reason: 'code_used' };
	if (enrollment.code_expires_at <= clock.iso()) return { ok: false, reason: 'code_expired' };
	if (!input.noticeAcknowledged) return { ok: false, reason: 'notice_required' };

	const email = normaliseEmail(input.email);
	// Whether an address already has an account is worth something to a guesser: each such answer
	// costs an attempt from the address and from this referral, like a wrong code, and the code stays
	// unused. (Only someone holding a referral's code, date of birth and case number gets this far.)
	const emailKey = `enroll:email-taken:${enrollment.id}`;
	const emailWait = await retryAfter(db, emailKey);
	if (emailWait > 0) return { ok: false, reason: 'rate_limited', retryAfter: emailWait };
	const taken = async () => {
		await recordFailure(db, limitKey, policies.enrollmentCode);
		await recordFailure(db, emailKey, policies.emailTaken);
		await auditAlone(db, {
			actorId: null,
			action: 'enrollment.activate',
			outcome: 'failure',
			ip: input.ip,
			targetType: 'enrollment',
			targetId: enrollment.id,
			details: { reason: 'email_taken' }
		});
		return { ok: false as const, reason: 'email_taken' as const };
	};
	if (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) return taken();
	const problem = passwordProblem(input.password, [enrollment.legal_name, email.split('@')[0], enrollment.case_number]);
	if (problem) return { ok: false, reason: 'weak_password', problem };
	const versionId = await currentVersionId(db, enrollment.program_id);
	if (!versionId) return { ok: false, reason: 'no_curriculum' };

	const passwordHash = await hashPassword(input.password);
	const userId = newId();
	const now = clock.iso();
	try {
		const used = await db.transaction().execute(async (trx) => {
			// Claim the code first: of two simultaneous submissions only one updates the row.
			const claim = await trx
				.updateTable('enrollments')
				.set({ code_used_at: now })
				.where('id', '=', enrollment.id)
				.where('code_used_at', 'is', null)
				.executeTakeFirst();
			if (Number(claim.numUpdatedRows) !== 1) return false;
			await trx
				.insertInto('users')
				.values({
					id: userId,
					email,
					name: enrollment.legal_name,
					password_hash: passwordHash,
					totp_key: null,
					totp_last_step: null,
					disabled_at: null,
					created_at: now
				})
				.execute();
			await trx.insertInto('user_roles').values({ user_id: userId, role: 'participant' }).execute();
			await trx
				.updateTable('enrollments')
				.set({
					user_id: userId,
					status: 'active',
					activated_at: now,
					curriculum_version_id: versionId,
					notice_version: NOTICE_VERSION,
					notice_acknowledged_at: now,
					email
				})
				.where('id', '=', enrollment.id)
				.execute();
			await audit(trx, {
				actorId: userId,
				action: 'enrollment.activate',
				targetType: 'enrollment',
				targetId: enrollment.id,
				ip: input.ip,
				details: { noticeVersion: NOTICE_VERSION }
			});
			// His course starts here (its version is set above): what he may study is stored with it.
			await refreshUnlocked(trx, enrollment.id);
			return true;
		});
		if (!used) return { ok: false, reason: 'code_used' };
	} catch (e) {
		if (isUniqueViolation(e)) return taken();
		throw e;
	}
	const { token } = await createSession(db, userId, { device: input.device });
	return { ok: true, token, userId };
}
