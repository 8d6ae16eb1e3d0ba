import { audit, auditAlone } from '../audit/audit';
import type { Db } from '../db';
import { sha256Hex } from '../ids';
import { findUserByEmail, normaliseEmail } from '../users/users.queries';
import { trustedDevice } from './known-devices';
import { verifyAgainstDummy, verifyPassword } from './password';
import { clearFailures, limitAddress, policies, recordFailure, retryAfter } from './rate-limit';
import { createSession } from './session';

export type LoginResult =
	| { ok: true; token: string; userId: string; twoFactor: boolean }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

export interface LoginInput {
	email: string;
	password: string;
	ip: string;
	/** The browser's device tokens (known-devices.ts), if it has any. */
	deviceTokens?: string[];
	/** describeDevice() of the User-Agent, kept on the session so the person can recognise it. */
	device?: string | null;
}

/** The rate-limit keys of one e-mail address typed, whether or not an account has it. */
export function loginKeys(email: string, ip: string) {
	const account = sha256Hex(normaliseEmail(email));
	ip = limitAddress(ip);
	return {
		pair: `login:pair:${account}:${ip}`,
		account: `login:email:${account}`,
		address: `login:ip:${ip}`,
		accountPrefix: `login:pair:${account}:`
	};
}

/**
 * Password sign-in, limited so that guessing stays slow and nobody else can lock the real person out:
 * - a browser that signed in to this account before (known-devices.ts) is judged only on its own
 *   counter; an attacker elsewhere never blocks it;
 * - any other browser is limited per account and address (5 → 30 min), per account across all
 *   addresses (a growing delay after 20), and per address across all accounts (a delay of at most a
 *   minute after 30): the same rules for every address typed, so no answer reveals who has an account;
 * - while only the account-wide limit holds, a right password of a two-factor account still goes on to
 *   the code step: the second factor is what stops the guesser then.
 */
export async function login(db: Db, input: LoginInput): Promise<LoginResult> {
	const keys = loginKeys(input.email, input.ip);
	const user = await findUserByEmail(db, input.email);
	const active = user && !user.disabled_at ? user : undefined;
	const deviceId = await trustedDevice(db, input.deviceTokens ?? [], active?.id);
	const roles = active
		? await db.selectFrom('user_roles').select('role').where('user_id', '=', active.id).execute()
		: [];
	const staff = roles.some((r) => r.role !== 'participant');
	const deviceKey = deviceId ? `login:device:${deviceId}` : null;
	const denied = async (wait: number): Promise<LoginResult> => {
		await auditAlone(db, {
			actorId: user?.id ?? null,
			action: 'auth.login',
			outcome: 'denied',
			ip: input.ip,
			details: { reason: 'rate_limited' }
		});
		return { ok: false, reason: 'rate_limited', retryAfter: wait };
	};

	// A known device is held to its own counter alone (only its holder ever sees that wait).
	const deviceWait = deviceKey ? await retryAfter(db, deviceKey) : 0;
	if (deviceWait > 0) return denied(deviceWait);
	const trusted = deviceKey !== null;
	let accountWait = 0;
	if (!trusted) {
		const pairWait = await retryAfter(db, keys.pair);
		const addressWait = await retryAfter(db, keys.address);
		if (pairWait > 0 || addressWait > 0) return denied(Math.max(pairWait, addressWait));
		accountWait = await retryAfter(db, keys.account);
	}

	const valid = active
		? await verifyPassword(active.password_hash, input.password)
		: await verifyAgainstDummy(input.password);
	if (!valid || !active) {
		if (trusted) await recordFailure(db, deviceKey!, staff ? policies.staffDevice : policies.participantDevice);
		else {
			await recordFailure(db, keys.pair, policies.loginPair);
			await recordFailure(db, keys.address, policies.loginAddress);
		}
		await recordFailure(db, keys.account, policies.loginAccount);
		if (accountWait > 0) return denied(accountWait);
		await auditAlone(db, {
			actorId: user?.id ?? null,
			action: 'auth.login',
			outcome: 'failure',
			ip: input.ip,
			details: { reason: user ? 'bad_password' : 'unknown_account' }
		});
		return { ok: false, reason: 'invalid' };
	}

	const twoFactor = !!active.totp_key;
	// Under the account-wide limit only the second factor may still let a right password through.
	if (accountWait > 0 && !twoFactor) return denied(accountWait);

	await clearFailures(db, keys.pair);
	if (deviceKey) await clearFailures(db, deviceKey);
	if (accountWait === 0) await clearFailures(db, keys.account);
	// With two-factor on, this session is only a half-open door: hooks treat it as signed out
	// until the code is checked (verifySecondFactor), and it can never become more than that otherwise.
	const { token } = await createSession(db, active.id, { twoFactorPending: twoFactor, device: input.device });
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: active.id,
			action: 'auth.login',
			ip: input.ip,
			details: { ...(twoFactor ? { step: 'password' } : {}), ...(trusted ? { knownDevice: true } : {}) }
		})
	);
	return { ok: true, token, userId: active.id, twoFactor };
}
