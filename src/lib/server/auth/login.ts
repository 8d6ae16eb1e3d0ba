import { audit, auditAlone } from '../audit/audit';
import type { Db } from '../db';
import { findUserByEmail } from '../users/users.queries';
import { verifyAgainstDummy, verifyPassword } from './password';
import { clearFailures, policies, recordFailure, retryAfterAny } from './rate-limit';
import { createSession } from './session';

export type LoginResult =
	| { ok: true; token: string; userId: string }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

export async function login(db: Db, input: { email: string; password: string; ip: string }): Promise<LoginResult> {
	const addressKey = `login:ip:${input.ip}`;
	const user = await findUserByEmail(db, input.email);
	const accountKey = user ? `login:user:${user.id}` : null;

	const wait = await retryAfterAny(db, accountKey ? [addressKey, accountKey] : [addressKey]);
	if (wait > 0) {
		await auditAlone(db, { actorId: user?.id ?? null, action: 'auth.login', outcome: 'denied', ip: input.ip, details: { reason: 'rate_limited' } });
		return { ok: false, reason: 'rate_limited', retryAfter: wait };
	}

	const valid = user && !user.disabled_at ? await verifyPassword(user.password_hash, input.password) : await verifyAgainstDummy(input.password);
	if (!valid || !user) {
		await recordFailure(db, addressKey, policies.addressLogin);
		if (user && accountKey) {
			const roles = await db.selectFrom('user_roles').select('role').where('user_id', '=', user.id).execute();
			const staff = roles.some((r) => r.role !== 'participant');
			await recordFailure(db, accountKey, staff ? policies.staffLogin : policies.participantLogin);
		}
		await auditAlone(db, { actorId: user?.id ?? null, action: 'auth.login', outcome: 'failure', ip: input.ip, details: { reason: user ? 'bad_password' : 'unknown_account' } });
		return { ok: false, reason: 'invalid' };
	}

	await clearFailures(db, accountKey!);
	const { token } = await createSession(db, user.id);
	await db.transaction().execute((trx) => audit(trx, { actorId: user.id, action: 'auth.login', ip: input.ip }));
	return { ok: true, token, userId: user.id };
}
