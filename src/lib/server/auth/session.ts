import Bowser from 'bowser';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { constantTimeEqualHex, randomToken, sha256Hex } from '../ids';
import type { Db } from '../db';
import type { IdentityUserRow } from '../users/users.queries';

// Lucia-style sessions: the token is "<id>.<secret>"; only the SHA-256 of the secret is stored.
// The secret has 160 random bits.
export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** Signing in once more than this ends the account's oldest session (ASVS 7.1.2: a defined limit). */
export const MAX_SESSIONS_PER_USER = 10;
// Refresh last_seen_at at most this often: one write a minute per session, not one per request.
const TOUCH_EVERY_MS = 60_000;

export interface Session {
	id: string;
	userId: string;
	createdAt: Date;
	lastSeenAt: Date;
	twoFactorVerified: boolean;
	/** Made by the password step of a two-factor account: nothing but the code step until verified. */
	twoFactorPending: boolean;
}

export interface NewSession {
	/** The password was right and the account uses two-factor: the code is still to come. */
	twoFactorPending?: boolean;
	twoFactorVerified?: boolean;
	/** A coarse description of the browser, from describeDevice(). */
	device?: string | null;
}

export async function createSession(
	db: Db,
	userId: string,
	options: NewSession = {}
): Promise<{ token: string; session: Session }> {
	const id = randomToken(16);
	const secret = randomToken(20);
	const now = clock.now();
	const twoFactorVerified = options.twoFactorVerified ?? false;
	const twoFactorPending = options.twoFactorPending ?? false;
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('sessions')
			.values({
				id,
				secret_hash: sha256Hex(secret),
				user_id: userId,
				created_at: now.toISOString(),
				last_seen_at: now.toISOString(),
				two_factor_verified: twoFactorVerified ? 1 : 0,
				two_factor_pending: twoFactorPending ? 1 : 0,
				device: options.device?.slice(0, 80) ?? null
			})
			.execute();
		// Keep the newest MAX_SESSIONS_PER_USER; the oldest beyond them end now.
		const keep = trx
			.selectFrom('sessions')
			.select('id')
			.where('user_id', '=', userId)
			.orderBy('created_at', 'desc')
			.orderBy('id', 'desc')
			.limit(MAX_SESSIONS_PER_USER);
		await trx
			.deleteFrom('sessions')
			.where('user_id', '=', userId)
			.where('id', 'not in', (eb) => eb.selectFrom(keep.as('k')).select('k.id'))
			.execute();
	});
	return {
		token: `${id}.${secret}`,
		session: { id, userId, createdAt: now, lastSeenAt: now, twoFactorVerified, twoFactorPending }
	};
}

/** A valid session, with the account's own columns read in the same statement (see users.queries.ts). */
export type ValidSession = Session & { user: IdentityUserRow };

export async function validateSessionToken(db: Db, token: string): Promise<ValidSession | null> {
	const [id, secret, extra] = token.split('.');
	if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return null;
	const row = await db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.select([
			'sessions.id',
			'sessions.secret_hash',
			'sessions.user_id',
			'sessions.created_at',
			'sessions.last_seen_at',
			'sessions.two_factor_verified',
			'sessions.two_factor_pending',
			'users.disabled_at',
			'users.totp_key',
			'users.email',
			'users.name'
		])
		.where('sessions.id', '=', id)
		.executeTakeFirst();
	if (!row) return null;
	if (!constantTimeEqualHex(sha256Hex(secret), row.secret_hash)) return null;

	const now = clock.now().getTime();
	const createdAt = Date.parse(row.created_at);
	const lastSeenAt = Date.parse(row.last_seen_at);
	const pending = row.two_factor_pending === 1;
	// A half-open session whose account no longer has two-factor was never completed: it ends,
	// it is never promoted to a full one.
	const orphaned = pending && !row.totp_key;
	if (row.disabled_at || orphaned || now - createdAt >= ABSOLUTE_TIMEOUT_MS || now - lastSeenAt >= IDLE_TIMEOUT_MS) {
		await invalidateSession(db, id);
		return null;
	}
	let seen = lastSeenAt;
	if (now - lastSeenAt >= TOUCH_EVERY_MS) {
		seen = now;
		await db
			.updateTable('sessions')
			.set({ last_seen_at: new Date(now).toISOString() })
			.where('id', '=', id)
			.execute();
	}
	return {
		id,
		userId: row.user_id,
		createdAt: new Date(createdAt),
		lastSeenAt: new Date(seen),
		twoFactorVerified: row.two_factor_verified === 1,
		twoFactorPending: pending,
		user: { id: row.user_id, email: row.email, name: row.name, totp_key: row.totp_key }
	};
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
	await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function invalidateUserSessions(db: Db, userId: string): Promise<void> {
	await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export function sessionExpiresAt(session: Session): Date {
	return new Date(
		Math.min(session.createdAt.getTime() + ABSOLUTE_TIMEOUT_MS, session.lastSeenAt.getTime() + IDLE_TIMEOUT_MS)
	);
}

export interface SessionListing {
	id: string;
	device: string | null;
	createdAt: string;
	lastSeenAt: string;
	current: boolean;
	/** Still waiting for its two-factor code. */
	pending: boolean;
}

/** A person's own sessions that are still open, newest first; ids are only ever used with his user id. */
export async function listSessions(db: Db, userId: string, currentSessionId: string): Promise<SessionListing[]> {
	const now = clock.now().getTime();
	const rows = await db
		.selectFrom('sessions')
		.select(['id', 'device', 'created_at', 'last_seen_at', 'two_factor_pending', 'two_factor_verified'])
		.where('user_id', '=', userId)
		.orderBy('last_seen_at', 'desc')
		.execute();
	return rows
		.filter(
			(r) => now - Date.parse(r.created_at) < ABSOLUTE_TIMEOUT_MS && now - Date.parse(r.last_seen_at) < IDLE_TIMEOUT_MS
		)
		.map((r) => ({
			id: r.id,
			device: r.device,
			createdAt: r.created_at,
			lastSeenAt: r.last_seen_at,
			current: r.id === currentSessionId,
			pending: r.two_factor_pending === 1 && r.two_factor_verified !== 1
		}));
}

/** Ends one of the person's own sessions (never another person's: the user id is part of the match); audited. */
export async function endOwnSession(db: Db, userId: string, sessionId: string, ip?: string): Promise<boolean> {
	return db.transaction().execute(async (trx) => {
		const r = await trx
			.deleteFrom('sessions')
			.where('id', '=', sessionId)
			.where('user_id', '=', userId)
			.executeTakeFirst();
		if (Number(r.numDeletedRows) !== 1) return false;
		await audit(trx, {
			actorId: userId,
			action: 'auth.session.end',
			targetType: 'user',
			targetId: userId,
			ip,
			details: { sessions: 1 }
		});
		return true;
	});
}

/** Ends every session of the person but this one; returns how many ended; audited. */
export async function endOtherSessions(db: Db, userId: string, keepSessionId: string, ip?: string): Promise<number> {
	return db.transaction().execute(async (trx) => {
		const r = await trx
			.deleteFrom('sessions')
			.where('user_id', '=', userId)
			.where('id', '!=', keepSessionId)
			.executeTakeFirst();
		const n = Number(r.numDeletedRows);
		await audit(trx, {
			actorId: userId,
			action: 'auth.session.end',
			targetType: 'user',
			targetId: userId,
			ip,
			details: { sessions: n, others: true }
		});
		return n;
	});
}

/**
 * A coarse, human description of a browser from its User-Agent ("Firefox on Android"): enough for a
 * person to recognise his own sessions, and no finer than that (no versions, no device model).
 */
export function describeDevice(userAgent: string | null | undefined): string | null {
	if (!userAgent) return null;
	const { browser, os } = Bowser.parse(userAgent.slice(0, 512));
	if (!browser.name && !os.name) return 'Unknown browser';
	return `${browser.name ?? 'A browser'}${os.name ? ` on ${os.name}` : ''}`;
}
