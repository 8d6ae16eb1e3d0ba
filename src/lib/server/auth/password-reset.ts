// A participant who has forgotten his password gets a one-time reset code from a facilitator or
// admin of his program (there is no e-mail in this product, and many participants have none they
// read). He types it with his date of birth and a new password. Like the enrollment code: 60 bits,
// stored as a hash, 72 hours, once; guessing is limited per address and needs the date of birth.
// Staff passwords are reset by an operator (`npm run cli -- user:reset-password`).
import { newEnrollmentCode, normaliseEnrollmentCode } from '../../domain/enrollment-code';
import type { PasswordProblem } from '../../domain/password-policy';
import { passwordProblem } from './password-blocklist';
import { actingRole } from '../access';
import { audit, auditAlone } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import { newId, sha256Hex } from '../ids';
import type { UserIdentity } from '../users/users.queries';
import { normaliseEmail } from '../users/users.queries';
import { hashPassword } from './password';
import { loginKeys } from './login';
import { clearFailures, clearFailuresLike, limitAddress, policies, recordFailure, retryAfter } from './rate-limit';
import { createSession } from './session';

export const RESET_HOURS = 72;

export function hashResetCode(code: string): string {
	return sha256Hex(`password-reset:${normaliseEnrollmentCode(code)}`);
}

export type IssueResult =
	{ ok: true; code: string; expiresAt: string } | { ok: false; reason: 'not_found' | 'no_account' };

/** A new code for the participant of this enrollment; any earlier unused code stops working. */
export async function issueResetCode(
	db: Db,
	staff: UserIdentity,
	enrollmentId: string,
	ip?: string
): Promise<IssueResult> {
	const e = await db
		.selectFrom('enrollments')
		.select(['id', 'program_id', 'court_id', 'user_id', 'purged_at'])
		.where('id', '=', enrollmentId)
		.executeTakeFirst();
	if (!e || e.purged_at || !actingRole(staff, e, 'staff')) return { ok: false, reason: 'not_found' };
	if (!e.user_id) return { ok: false, reason: 'no_account' };
	const userId = e.user_id;
	const code = newEnrollmentCode();
	const now = clock.now();
	const expiresAt = new Date(now.getTime() + RESET_HOURS * 3_600_000).toISOString();
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('password_resets')
			.set({ used_at: now.toISOString() })
			.where('user_id', '=', userId)
			.where('used_at', 'is', null)
			.execute();
		await trx
			.insertInto('password_resets')
			.values({
				id: newId(),
				user_id: userId,
				code_hash: hashResetCode(code),
				created_by: staff.id,
				created_at: now.toISOString(),
				expires_at: expiresAt,
				used_at: null
			})
			.execute();
		await audit(trx, { actorId: staff.id, action: 'auth.reset.issue', targetType: 'enrollment', targetId: e.id, ip });
	});
	return { ok: true, code, expiresAt };
}

export interface ResetInput {
	code: string;
	dateOfBirth: string;
	password: string;
	ip: string;
	device?: string | null;
}

export type ResetResult =
	| { ok: true; token: string; userId: string }
	| { ok: false; reason: 'rate_limited'; retryAfter: number }
	| { ok: false; reason: 'invalid' | 'expired' }
	| { ok: false; reason: 'weak_password'; problem: PasswordProblem };

/**
 * Sets the new password, ends every session of the account (a phone left signed in somewhere is
 * signed out), lifts the sign-in limits on his address, and signs him in here.
 */
export async function resetPassword(db: Db, input: ResetInput): Promise<ResetResult> {
	const limitKey = `reset:ip:${limitAddress(input.ip)}`;
	const wait = await retryAfter(db, limitKey);
	if (wait > 0) return { ok: false, reason: 'rate_limited', retryAfter: wait };
	const row = await db
		.selectFrom('password_resets as r')
		.innerJoin('users as u', 'u.id', 'r.user_id')
		.innerJoin('enrollments as e', 'e.user_id', 'u.id')
		.select([
			'r.id',
			'r.user_id',
			'r.expires_at',
			'r.used_at',
			'u.email',
			'u.disabled_at',
			'e.id as enrollment_id',
			'e.date_of_birth',
			'e.legal_name',
			'e.case_number'
		])
		.where('r.code_hash', '=', hashResetCode(input.code))
		.executeTakeFirst();
	// A wrong code and a right code with the wrong date of birth look the same, and both count.
	if (!row || row.date_of_birth !== input.dateOfBirth || row.used_at || row.disabled_at) {
		await recordFailure(db, limitKey, policies.enrollmentCode);
		await auditAlone(db, {
			actorId: null,
			action: 'auth.reset',
			outcome: 'failure',
			ip: input.ip,
			targetType: 'user',
			targetId: row?.user_id ?? null
		});
		return { ok: false, reason: 'invalid' };
	}
	if (row.expires_at <= clock.iso()) return { ok: false, reason: 'expired' };
	const problem = passwordProblem(input.password, [row.legal_name, row.email.split('@')[0], row.case_number]);
	if (problem) return { ok: false, reason: 'weak_password', problem };
	const passwordHash = await hashPassword(input.password);
	const claimed = await db.transaction().execute(async (trx) => {
		// Two submits of one code: only the first claims it.
		const claim = await trx
			.updateTable('password_resets')
			.set({ used_at: clock.iso() })
			.where('id', '=', row.id)
			.where('used_at', 'is', null)
			.executeTakeFirst();
		if (Number(claim.numUpdatedRows) !== 1) return false;
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', row.user_id).execute();
		await trx.deleteFrom('sessions').where('user_id', '=', row.user_id).execute();
		await audit(trx, {
			actorId: row.user_id,
			action: 'auth.reset',
			targetType: 'user',
			targetId: row.user_id,
			ip: input.ip
		});
		return true;
	});
	if (!claimed) return { ok: false, reason: 'invalid' };
	await clearLoginLimits(db, row.email);
	const { token } = await createSession(db, row.user_id, { device: input.device });
	return { ok: true, token, userId: row.user_id };
}

export type OperatorResetResult =
	{ ok: true } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'weak_password'; problem: PasswordProblem };

/** An operator sets a new password (a staff member locked out); every session of the account ends. */
export async function setPasswordByOperator(db: Db, email: string, password: string): Promise<OperatorResetResult> {
	const user = await db
		.selectFrom('users')
		.select(['id', 'email', 'name'])
		.where('email', '=', normaliseEmail(email))
		.executeTakeFirst();
	if (!user) return { ok: false, reason: 'not_found' };
	const problem = passwordProblem(password, [user.name, user.email.split('@')[0]]);
	if (problem) return { ok: false, reason: 'weak_password', problem };
	const passwordHash = await hashPassword(password);
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
		await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
		await audit(trx, { actorId: null, action: 'auth.password.set', targetType: 'user', targetId: user.id });
	});
	await clearLoginLimits(db, user.email);
	return { ok: true };
}

/** A new password lifts the account's own sign-in limits, from every address (not the addresses' own). */
export async function clearLoginLimits(db: Db, email: string): Promise<void> {
	const keys = loginKeys(email, '');
	await clearFailures(db, keys.account);
	await clearFailuresLike(db, keys.accountPrefix);
}
