import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { decodeBase64, encodeBase64 } from '@oslojs/encoding';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { audit, auditAlone } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { clearFailures, policies, recordFailure, retryAfter } from './rate-limit';
import { confirmPassword } from './reauthenticate';
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

export type TotpResult =
	| { ok: true }
	| { ok: false; reason: 'invalid' | 'replayed' | 'not_enabled' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

const limitKey = (userId: string) => `totp:user:${userId}`;
const sealContext = (userId: string) => `totp:${userId}`;

/**
 * The account's TOTP key from its stored form. Keys stored before sealing existed are plain base64:
 * they are sealed in place on first use. A sealed key that does not open (altered, or the keys
 * folder's data key lost) fails closed: no code is accepted, and the log says what to do.
 */
async function storedKey(db: Db, userId: string, stored: string): Promise<string | null> {
	if (!isSealed(stored)) {
		await db
			.updateTable('users')
			.set({ totp_key: seal(stored, sealContext(userId)) })
			.where('id', '=', userId)
			.where('totp_key', '=', stored)
			.execute();
		return stored;
	}
	const key = open(stored, sealContext(userId));
	if (key === null)
		console.error(
			`[totp] the two-factor key of user ${userId} cannot be opened (altered, or KEYS_DIR/data-secret.key changed); reset it with user:reset-2fa`
		);
	return key;
}

/**
 * Checks a code for the account and consumes its step, so each code is accepted once: the update
 * only succeeds when the step is later than the last one used (two parallel submits: one wins).
 */
async function consumeCode(
	db: Db,
	userId: string,
	code: string,
	ip: string | undefined,
	action: string
): Promise<TotpResult> {
	const wait = await retryAfter(db, limitKey(userId));
	if (wait > 0) {
		await auditAlone(db, { actorId: userId, action, outcome: 'denied', ip, details: { reason: 'rate_limited' } });
		return { ok: false, reason: 'rate_limited', retryAfter: wait };
	}
	const user = await db
		.selectFrom('users')
		.select(['totp_key', 'totp_last_step'])
		.where('id', '=', userId)
		.executeTakeFirst();
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
export async function verifySecondFactor(
	db: Db,
	sessionId: string,
	userId: string,
	code: string,
	ip?: string
): Promise<TotpResult> {
	const r = await consumeCode(db, userId, code, ip, 'auth.totp');
	if (!r.ok) return r;
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('sessions')
			.set({ two_factor_verified: 1, two_factor_pending: 0 })
			.where('id', '=', sessionId)
			.where('user_id', '=', userId)
			.execute();
		await audit(trx, { actorId: userId, action: 'auth.totp', ip });
	});
	return r;
}

export function mayUseTotp(user: UserIdentity): boolean {
	return user.roles.some((r) => r !== 'participant');
}

/** How long a key shown for setting up stays valid: long enough to find the phone, not for ever. */
const PENDING_KEY_MS = 15 * 60_000;

/**
 * The key this person is setting up: made by the server and kept there (sealed), never taken from
 * the form, so nobody can plant a key of his own choosing. The same key for 15 minutes, so a reload
 * or a second tab shows the QR code already scanned.
 */
export async function pendingTotpKey(db: Db, user: UserIdentity): Promise<string> {
	const row = await db
		.selectFrom('users')
		.select(['totp_pending_key', 'totp_pending_at'])
		.where('id', '=', user.id)
		.executeTakeFirstOrThrow();
	const now = clock.now();
	if (row.totp_pending_key && row.totp_pending_at && now.getTime() - Date.parse(row.totp_pending_at) < PENDING_KEY_MS) {
		const key = open(row.totp_pending_key, pendingContext(user.id));
		if (key) return key;
	}
	const key = newTotpKey();
	await db
		.updateTable('users')
		.set({ totp_pending_key: seal(key, pendingContext(user.id)), totp_pending_at: now.toISOString() })
		.where('id', '=', user.id)
		.execute();
	return key;
}

const pendingContext = (userId: string) => `totp-pending:${userId}`;

export type EnableResult =
	| { ok: true; endedSessions: number }
	| { ok: false; reason: 'not_staff' | 'already_enabled' | 'invalid' | 'expired' | 'wrong_password' }
	| { ok: false; reason: 'rate_limited'; retryAfter: number };

/**
 * Turns two-factor on once the person gives his current password and a code made from the key the
 * server showed him. This session counts as verified; every other session of the account ends (they
 * were opened without the second factor).
 */
export async function enableTotp(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	password: string,
	code: string,
	ip?: string
): Promise<EnableResult> {
	if (!mayUseTotp(user)) return { ok: false, reason: 'not_staff' };
	const check = await confirmPassword(db, user.id, password, 'auth.totp.enable', ip);
	if (!check.ok) return check;
	const row = await db
		.selectFrom('users')
		.select(['totp_key', 'totp_pending_key', 'totp_pending_at'])
		.where('id', '=', user.id)
		.executeTakeFirstOrThrow();
	if (row.totp_key) return { ok: false, reason: 'already_enabled' };
	const stale = !row.totp_pending_at || clock.now().getTime() - Date.parse(row.totp_pending_at) >= PENDING_KEY_MS;
	const keyB64 = row.totp_pending_key && !stale ? open(row.totp_pending_key, pendingContext(user.id)) : null;
	if (!keyB64) return { ok: false, reason: 'expired' };
	const step = matchingStep(keyB64, code);
	if (step === null) return { ok: false, reason: 'invalid' };
	return db.transaction().execute(async (trx) => {
		const r = await trx
			.updateTable('users')
			.set({
				totp_key: seal(keyB64, sealContext(user.id)),
				totp_last_step: step,
				totp_pending_key: null,
				totp_pending_at: null
			})
			.where('id', '=', user.id)
			.where('totp_key', 'is', null)
			.where('totp_pending_key', '=', row.totp_pending_key)
			.executeTakeFirst();
		if (Number(r.numUpdatedRows) !== 1) return { ok: false as const, reason: 'already_enabled' as const };
		await trx
			.updateTable('sessions')
			.set({ two_factor_verified: 1, two_factor_pending: 0 })
			.where('id', '=', sessionId)
			.where('user_id', '=', user.id)
			.execute();
		const ended = await trx
			.deleteFrom('sessions')
			.where('user_id', '=', user.id)
			.where('id', '!=', sessionId)
			.executeTakeFirst();
		const endedSessions = Number(ended.numDeletedRows);
		await audit(trx, {
			actorId: user.id,
			action: 'auth.totp.enable',
			targetType: 'user',
			targetId: user.id,
			ip,
			details: { endedSessions }
		});
		return { ok: true as const, endedSessions };
	});
}

export type DisableResult = TotpResult | { ok: false; reason: 'required' | 'wrong_password' };

/**
 * Turning two-factor off needs the current password and a current code, so neither a borrowed
 * session nor a borrowed phone alone can do it. Every other session ends, half-open ones included.
 */
export async function disableTotp(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	password: string,
	code: string,
	ip?: string
): Promise<DisableResult> {
	if (user.twoFactorRequired) return { ok: false, reason: 'required' };
	const check = await confirmPassword(db, user.id, password, 'auth.totp.disable', ip);
	if (!check.ok) return check;
	const r = await consumeCode(db, user.id, code, ip, 'auth.totp.disable');
	if (!r.ok) return r;
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ totp_key: null, totp_last_step: null }).where('id', '=', user.id).execute();
		await trx.deleteFrom('sessions').where('user_id', '=', user.id).where('id', '!=', sessionId).execute();
		await audit(trx, { actorId: user.id, action: 'auth.totp.disable', targetType: 'user', targetId: user.id, ip });
	});
	return r;
}

/** An operator's reset when a staff member loses the phone (CLI); audited. */
export async function resetTotp(db: Db, actorId: string | null, userId: string): Promise<boolean> {
	return db.transaction().execute(async (trx) => {
		const r = await trx
			.updateTable('users')
			.set({ totp_key: null, totp_last_step: null })
			.where('id', '=', userId)
			.where('totp_key', 'is not', null)
			.executeTakeFirst();
		if (Number(r.numUpdatedRows) !== 1) return false;
		await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
		await audit(trx, { actorId, action: 'auth.totp.reset', targetType: 'user', targetId: userId });
		return true;
	});
}
