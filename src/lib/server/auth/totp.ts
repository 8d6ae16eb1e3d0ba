import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { decodeBase64, encodeBase64 } from '@oslojs/encoding';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { audit, auditAlone } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { clearFailures, policies, recordFailure, retryAfter } from './rate-limit';
import { isSealed, open, seal } from './secret-box';

// RFC 6238 with the usual authenticator-app parameters: 30-second steps, 6 digits, HMAC-SHA1.
export const TOTP_STEP_SECONDS = 30;
const DIGITS = 6;
const ISSUER = 'John School';

export function newTotpKey(): string {
	return encodeBase64(randomBytes(20));
}

export function totpKeyUri(accountName: string, keyB64: string): string {
	return createTOTPKeyURI(ISSUER, accountName, decodeBase64(keyB64), TOTP_STEP_SECONDS, DIGITS);
}

export function currentStep(nowMs = clock.now().getTime()): number {
	return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

export function totpAt(keyB64: string, step: number): string {
	return generateHOTP(decodeBase64(keyB64), BigInt(step), DIGITS);
}

/** The step (previous, current or next, for clock drift) whose code this is, or null. */
export function matchingStep(keyB64: string, code: string, nowMs = clock.now().getTime()): number | null {
	const typed = code.replace(/\s+/g, '');
	if (!/^\d{6}$/.test(typed)) return null;
	const now = currentStep(nowMs);
	let found: number | null = null;
	// Compare all three in constant time; keep the latest match.
	for (const step of [now - 1, now, now + 1]) {
		if (timingSafeEqual(Buffer.from(totpAt(keyB64, step)), Buffer.from(typed))) found = step;
	}
	return found;
}

export type TotpResult = { ok: true } | { ok: false; reason: 'invalid' | 'replayed' | 'not_enabled' } | { ok: false; reason: 'rate_limited'; retryAfter: number };

const limitKey = (userId: string) => `totp:user:${userId}`;
const sealContext = (userId: string) => `totp:${userId}`;

/**
 * The account's TOTP key from its stored form. Keys stored before sealing existed are plain base64:
 * they are sealed in place on first use. A sealed key that does not open (altered, or the keys
 * folder's data key lost) fails closed: no code is accepted, and the log says what to do.
 */
async function storedKey(db: Db, userId: string, stored: string): Promise<string | null> {
	if (!isSealed(stored)) {
		await db.updateTable('users').set({ totp_key: seal(stored, sealContext(userId)) }).where('id', '=', userId).where('totp_key', '=', stored).execute();
		return stored;
	}
	const key = open(stored, sealContext(userId));
	if (key === null) console.error(`[totp] the two-factor key of user ${userId} cannot be opened (altered, or KEYS_DIR/data-secret.key changed); reset it with user:reset-2fa`);
	return key;
}

/**
 * Checks a code for the account and consumes its step, so each code is accepted once: the update
 * only succeeds when the step is later than the last one used (two parallel submits: one wins).
 */
async function consumeCode(db: Db, userId: string, code: string, ip: string | undefined, action: string): Promise<TotpResult> {
	const wait = await retryAfter(db, limitKey(userId));
	if (wait > 0) {
		await auditAlone(db, { actorId: userId, action, outcome: 'denied', ip, details: { reason: 'rate_limited' } });
		return { ok: false, reason: 'rate_limited', retryAfter: wait };
	}
	const user = await db.selectFrom('users').select(['totp_key', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
	if (!user?.totp_key) return { ok: false, reason: 'not_enabled' };
	const key = await storedKey(db, userId, user.totp_key);
	const step = key === null ? null : matchingStep(key, code);
	let reason: 'invalid' | 'replayed' = 'invalid';
	if (step !== null) {
		const r = await db
			.updateTable('users')
			.set({ totp_last_step: step })
			.where('id', '=', userId)
			.where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
			.executeTakeFirst();
		if (Number(r.numUpdatedRows) === 1) {
			await clearFailures(db, limitKey(userId));
			return { ok: true };
		}
		reason = 'replayed';
	}
	await recordFailure(db, limitKey(userId), policies.secondFactor);
	await auditAlone(db, { actorId: userId, action, outcome: 'failure', ip, details: { reason } });
	return { ok: false, reason };
}

/** The second step of a login: marks the session as two-factor verified. */
export async function verifySecondFactor(db: Db, sessionId: string, userId: string, code: string, ip?: string): Promise<TotpResult> {
	const r = await consumeCode(db, userId, code, ip, 'auth.totp');
	if (!r.ok) return r;
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('sessions').set({ two_factor_verified: 1 }).where('id', '=', sessionId).where('user_id', '=', userId).execute();
		await audit(trx, { actorId: userId, action: 'auth.totp', ip });
	});
	return r;
}

export function mayUseTotp(user: UserIdentity): boolean {
	return user.roles.some((r) => r !== 'participant');
}

export type EnableResult = { ok: true } | { ok: false; reason: 'not_staff' | 'already_enabled' | 'invalid' | 'bad_key' };

/** Turns two-factor on once the person shows a code made from the new key; this session counts as verified. */
export async function enableTotp(db: Db, user: UserIdentity, sessionId: string, keyB64: string, code: string, ip?: string): Promise<EnableResult> {
	if (!mayUseTotp(user)) return { ok: false, reason: 'not_staff' };
	let key: Uint8Array;
	try {
		key = decodeBase64(keyB64);
	} catch {
		return { ok: false, reason: 'bad_key' };
	}
	if (key.length !== 20) return { ok: false, reason: 'bad_key' };
	const step = matchingStep(keyB64, code);
	if (step === null) return { ok: false, reason: 'invalid' };
	return db.transaction().execute(async (trx) => {
		const r = await trx.updateTable('users').set({ totp_key: seal(keyB64, sealContext(user.id)), totp_last_step: step }).where('id', '=', user.id).where('totp_key', 'is', null).executeTakeFirst();
		if (Number(r.numUpdatedRows) !== 1) return { ok: false as const, reason: 'already_enabled' as const };
		await trx.updateTable('sessions').set({ two_factor_verified: 1 }).where('id', '=', sessionId).execute();
		await audit(trx, { actorId: user.id, action: 'auth.totp.enable', targetType: 'user', targetId: user.id, ip });
		return { ok: true as const };
	});
}

/** Turning two-factor off needs a current code, so a borrowed session alone cannot do it. */
export async function disableTotp(db: Db, user: UserIdentity, code: string, ip?: string): Promise<TotpResult | { ok: false; reason: 'required' }> {
	if (user.twoFactorRequired) return { ok: false, reason: 'required' };
	const r = await consumeCode(db, user.id, code, ip, 'auth.totp.disable');
	if (!r.ok) return r;
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ totp_key: null, totp_last_step: null }).where('id', '=', user.id).execute();
		await audit(trx, { actorId: user.id, action: 'auth.totp.disable', targetType: 'user', targetId: user.id, ip });
	});
	return r;
}

/** An operator's reset when a staff member loses the phone (CLI); audited. */
export async function resetTotp(db: Db, actorId: string | null, userId: string): Promise<boolean> {
	return db.transaction().execute(async (trx) => {
		const r = await trx.updateTable('users').set({ totp_key: null, totp_last_step: null }).where('id', '=', userId).where('totp_key', 'is not', null).executeTakeFirst();
		if (Number(r.numUpdatedRows) !== 1) return false;
		await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
		await audit(trx, { actorId, action: 'auth.totp.reset', targetType: 'user', targetId: userId });
		return true;
	});
}
