import { clock } from '../clock';
import { constantTimeEqualHex, randomToken, sha256Hex } from '../ids';
import type { Db } from '../db';

// Lucia-style sessions: the token is "<id>.<secret>"; only the SHA-256 of the secret is stored.
// The secret has 160 random bits.
export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
// Refresh last_seen_at at most this often: one write a minute per session, not one per request.
const TOUCH_EVERY_MS = 60_000;

export interface Session {
	id: string;
	userId: string;
	createdAt: Date;
	lastSeenAt: Date;
	twoFactorVerified: boolean;
}

export async function createSession(db: Db, userId: string, twoFactorVerified = false): Promise<{ token: string; session: Session }> {
	const id = randomToken(16);
	const secret = randomToken(20);
	const now = clock.now();
	await db
		.insertInto('sessions')
		.values({
			id,
			secret_hash: sha256Hex(secret),
			user_id: userId,
			created_at: now.toISOString(),
			last_seen_at: now.toISOString(),
			two_factor_verified: twoFactorVerified ? 1 : 0
		})
		.execute();
	return { token: `${id}.${secret}`, session: { id, userId, createdAt: now, lastSeenAt: now, twoFactorVerified } };
}

export async function validateSessionToken(db: Db, token: string): Promise<Session | null> {
	const [id, secret, extra] = token.split('.');
	if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return null;
	const row = await db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.select(['sessions.id', 'sessions.secret_hash', 'sessions.user_id', 'sessions.created_at', 'sessions.last_seen_at', 'sessions.two_factor_verified', 'users.disabled_at'])
		.where('sessions.id', '=', id)
		.executeTakeFirst();
	if (!row) return null;
	if (!constantTimeEqualHex(sha256Hex(secret), row.secret_hash)) return null;

	const now = clock.now().getTime();
	const createdAt = Date.parse(row.created_at);
	const lastSeenAt = Date.parse(row.last_seen_at);
	if (row.disabled_at || now - createdAt >= ABSOLUTE_TIMEOUT_MS || now - lastSeenAt >= IDLE_TIMEOUT_MS) {
		await invalidateSession(db, id);
		return null;
	}
	let seen = lastSeenAt;
	if (now - lastSeenAt >= TOUCH_EVERY_MS) {
		seen = now;
		await db.updateTable('sessions').set({ last_seen_at: new Date(now).toISOString() }).where('id', '=', id).execute();
	}
	return {
		id,
		userId: row.user_id,
		createdAt: new Date(createdAt),
		lastSeenAt: new Date(seen),
		twoFactorVerified: row.two_factor_verified === 1
	};
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
	await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function invalidateUserSessions(db: Db, userId: string): Promise<void> {
	await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export function sessionExpiresAt(session: Session): Date {
	return new Date(Math.min(session.createdAt.getTime() + ABSOLUTE_TIMEOUT_MS, session.lastSeenAt.getTime() + IDLE_TIMEOUT_MS));
}
