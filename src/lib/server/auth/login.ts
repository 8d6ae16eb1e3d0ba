import { audit, auditAlone } from '../audit/audit';
import type { Db } from '../db';
import { sha256Hex } from '../ids';
import { findUserByEmail, normaliseEmail } from '../users/users.queries';
import { verifyAgainstDummy, verifyPassword } from './password';
import { clearFailures, policies, recordFailure, retryAfterAny } from './rate-limit';
import { createSession } from './session';

export type LoginResult =
	| { ok: true; token: string; userId: string; twoFactor: boolean }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

export async function login(db: Db, input: { email: string; password: string; ip: string }): Promise<LoginResult> {
	const addressKey = `login:ip:${input.ip}`;
	const user = await findUserByEmail(db, input.email);
	// Limits are kept per e-mail address typed, whether or not it has an account, so the answers
	// never tell which addresses exist (ASVS 6.3.8). Unknown addresses get the participant policy:
	// whether someone is a court-referred participant is the secret worth keeping.
	const accountKey = `login:email:${sha256Hex(normaliseEmail(input.email))}`;

	const wait = await retryAfterAny(db, [addressKey, accountKey]);
	if (wait > 0) {
		await auditAlone(db, { actorId: user?.id ?? null, action: 'auth.login', outcome: 'denied', ip: input.ip, details: { reason: 'rate_limited' } });
		return { ok: false, reason: 'rate_limited', retryAfter: wait };
	}

	const valid = user && !user.disabled_at ? await verifyPassword(user.password_hash, input.password) : await verifyAgainstDummy(input.password);
	if (!valid || !user) {
		await recordFailure(db, addressKey, policies.addressLogin);
		const roles = user ? await db.selectFrom('user_roles').select('role').where('user_id', '=', user.id).execute() : [];
		const staff = roles.some((r) => r.role !== 'participant');
		await recordFailure(db, accountKey, staff ? policies.staffLogin : policies.participantLogin);
		await auditAlone(db, { actorId: user?.id ?? null, action: 'auth.login', outcome: 'failure', ip: input.ip, details: { reason: user ? 'bad_password' : 'unknown_account' } });
		return { ok: false, reason: 'invalid' };
	}

	await clearFailures(db, accountKey);
	// With two-factor on, this session is only a half-open door: hooks treat it as signed out
	// until the code is checked (verifySecondFactor).
	const twoFactor = !!user.totp_key;
	const { token } = await createSession(db, user.id);
	await db.transaction().execute((trx) => audit(trx, { actorId: user.id, action: 'auth.login', ip: input.ip, details: twoFactor ? { step: 'password' } : undefined }));
	return { ok: true, token, userId: user.id, twoFactor };
}
