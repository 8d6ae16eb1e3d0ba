/**
 * Browsers an account has signed in from before ("device cookies", OWASP's answer to malicious
 * lockout). Guessing from elsewhere counts against the account and the address; a browser holding a
 * device token of the account is judged on its own counter instead, so an attacker who trips the
 * shared limits still cannot keep the real person out. A token is "<id>.<secret>", only the secret's
 * SHA-256 is stored; it proves nothing about identity and never replaces the password.
 */
import type { Cookies } from '@sveltejs/kit';
import { clock } from '../clock';
import { config } from '../config';
import type { Db } from '../db';
import { constantTimeEqualHex, randomToken, sha256Hex } from '../ids';

export const DEVICE_LIFETIME_MS = 180 * 24 * 60 * 60_000;
/** A shared office browser may remember a few accounts; the most recent first. */
const MAX_TOKENS = 5;
const TOUCH_EVERY_MS = 24 * 60 * 60_000;

export function deviceCookieName(): string {
	return config.secureCookies ? '__Host-device' : 'device';
}

export function deviceTokens(cookies: Cookies): string[] {
	const raw = cookies.get(deviceCookieName()) ?? '';
	return raw
		.split('~')
		.filter((t) => /^[a-z0-9]{1,64}\.[a-z0-9]{1,64}$/.test(t))
		.slice(0, MAX_TOKENS);
}

/** The id of this browser's device record for the account, when one of its tokens is valid. */
export async function trustedDevice(db: Db, tokens: string[], userId: string | undefined): Promise<string | null> {
	if (!userId || tokens.length === 0) return null;
	const ids = tokens.map((t) => t.split('.')[0]);
	const rows = await db
		.selectFrom('known_devices')
		.select(['id', 'secret_hash', 'last_used_at'])
		.where('user_id', '=', userId)
		.where('id', 'in', ids)
		.execute();
	const now = clock.now().getTime();
	for (const t of tokens) {
		const [id, secret] = t.split('.');
		const row = rows.find((r) => r.id === id);
		if (
			row &&
			now - Date.parse(row.last_used_at) < DEVICE_LIFETIME_MS &&
			constantTimeEqualHex(sha256Hex(secret), row.secret_hash)
		)
			return row.id;
	}
	return null;
}

/**
 * After a complete sign-in: this browser is now known for the account. Returns the browser's new token
 * list, the account's token first (a new one, or the one it had, refreshed).
 */
export async function knowDevice(db: Db, tokens: string[], userId: string): Promise<string[]> {
	const existing = await trustedDevice(db, tokens, userId);
	const now = clock.now();
	let token: string;
	if (existing) {
		token = tokens.find((t) => t.startsWith(`${existing}.`))!;
		await db
			.updateTable('known_devices')
			.set({ last_used_at: now.toISOString() })
			.where('id', '=', existing)
			.where('last_used_at', '<', new Date(now.getTime() - TOUCH_EVERY_MS).toISOString())
			.execute();
	} else {
		const id = randomToken(16);
		const secret = randomToken(20);
		await db
			.insertInto('known_devices')
			.values({
				id,
				user_id: userId,
				secret_hash: sha256Hex(secret),
				created_at: now.toISOString(),
				last_used_at: now.toISOString()
			})
			.execute();
		token = `${id}.${secret}`;
	}
	return [token, ...tokens.filter((t) => t !== token)].slice(0, MAX_TOKENS);
}

/** knowDevice() for the browser of this request: its device cookie is set again with the new list. */
export async function rememberDevice(db: Db, cookies: Cookies, userId: string): Promise<void> {
	const tokens = await knowDevice(db, deviceTokens(cookies), userId);
	cookies.set(deviceCookieName(), tokens.join('~'), {
		httpOnly: true,
		secure: config.secureCookies,
		sameSite: 'strict',
		path: '/',
		expires: new Date(clock.now().getTime() + DEVICE_LIFETIME_MS)
	});
}

/** Devices not used for their whole lifetime are forgotten (run by the cleanup job). */
export async function deleteStaleDevices(db: Db): Promise<number> {
	const before = new Date(clock.now().getTime() - DEVICE_LIFETIME_MS).toISOString();
	const r = await db.deleteFrom('known_devices').where('last_used_at', '<', before).executeTakeFirst();
	return Number(r.numDeletedRows);
}

/** Forgets every known browser of the account (a password the person says was stolen, an operator's reset). */
export async function forgetDevices(db: Db, userId: string): Promise<void> {
	await db.deleteFrom('known_devices').where('user_id', '=', userId).execute();
}
