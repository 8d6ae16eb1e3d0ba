/**
 * Sensitive changes from a signed-in session (a new password, two-factor on or off) ask for the
 * current password again (ASVS 7.5.1), so a session left open or stolen cannot take the account over.
 * Wrong answers count per account, apart from sign-in, and lock the check for 30 minutes after 5.
 */
import { waitText } from '../../format';
import { auditAlone } from '../audit/audit';
import type { Db } from '../db';
import { verifyPassword } from './password';
import { clearFailures, policies, recordFailure, retryAfter } from './rate-limit';

export type ReauthResult =
	{ ok: true } | { ok: false; reason: 'wrong_password' } | { ok: false; reason: 'rate_limited'; retryAfter: number };

export async function confirmPassword(
	db: Db,
	userId: string,
	password: string,
	action: string,
	ip?: string
): Promise<ReauthResult> {
	const key = `reauth:user:${userId}`;
	const wait = await retryAfter(db, key);
	if (wait > 0) return { ok: false, reason: 'rate_limited', retryAfter: wait };
	const user = await db
		.selectFrom('users')
		.select(['password_hash', 'disabled_at'])
		.where('id', '=', userId)
		.executeTakeFirst();
	if (!user || user.disabled_at || !(await verifyPassword(user.password_hash, password))) {
		await recordFailure(db, key, policies.reauthentication);
		await auditAlone(db, { actorId: userId, action, outcome: 'failure', ip, details: { reason: 'wrong_password' } });
		return { ok: false, reason: 'wrong_password' };
	}
	await clearFailures(db, key);
	return { ok: true };
}

export const reauthMessages = {
	wrong_password: 'That is not your current password.',
	rate_limited: (retryAfter: number) => `Too many wrong passwords. Please wait ${waitText(retryAfter)} and try again.`
};
