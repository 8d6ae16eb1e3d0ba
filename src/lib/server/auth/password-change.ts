import type { PasswordProblem } from '../../domain/password-policy';
import { passwordProblem } from './password-blocklist';
import { audit } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { hashPassword } from './password';
import { clearLoginLimits } from './password-reset';
import { confirmPassword } from './reauthenticate';

export type ChangePasswordResult =
	| { ok: true; endedSessions: number }
	| { ok: false; reason: 'wrong_password' }
	| { ok: false; reason: 'same_password' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number }
	| { ok: false; reason: 'weak_password'; problem: PasswordProblem };

/**
 * A person changes his own password: the current one first, then the same policy as everywhere.
 * Every other session of the account ends (this one stays), in the same transaction as the change.
 */
export async function changePassword(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	current: string,
	next: string,
	ip?: string
): Promise<ChangePasswordResult> {
	const check = await confirmPassword(db, user.id, current, 'auth.password.change', ip);
	if (!check.ok) return check;
	if (current === next) return { ok: false, reason: 'same_password' };
	const context = [user.name, user.email.split('@')[0]];
	if (user.roles.includes('participant')) {
		const e = await db
			.selectFrom('enrollments')
			.select(['legal_name', 'case_number'])
			.where('user_id', '=', user.id)
			.execute();
		for (const row of e) context.push(row.legal_name, row.case_number);
	}
	const problem = passwordProblem(next, context);
	if (problem) return { ok: false, reason: 'weak_password', problem };
	const passwordHash = await hashPassword(next);
	const endedSessions = await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
		const r = await trx
			.deleteFrom('sessions')
			.where('user_id', '=', user.id)
			.where('id', '!=', sessionId)
			.executeTakeFirst();
		const ended = Number(r.numDeletedRows);
		await audit(trx, {
			actorId: user.id,
			action: 'auth.password.change',
			targetType: 'user',
			targetId: user.id,
			ip,
			details: { endedSessions: ended }
		});
		return ended;
	});
	await clearLoginLimits(db, user.email);
	return { ok: true, endedSessions };
}
