import { error, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { randomUUID } from 'node:crypto';
import { deleteSessionCookie, sessionCookieName, setSessionCookie } from '$lib/server/auth/cookie';
import { accessFor } from '$lib/server/auth/guards';
import { sessionExpiresAt, validateSessionToken } from '$lib/server/auth/session';
import { startScheduledBackups } from '$lib/server/db/backup-schedule';
import { closeDb, getDb } from '$lib/server/db/instance';
import { config, proxyWarning } from '$lib/server/config';
import { identityOf } from '$lib/server/users/users.queries';
import { ensureSigningReady } from '$lib/server/certificates/certificate-keys';
import { scheduleDailyPurge } from '$lib/server/privacy/retention';
import { scheduleSignInCleanup } from '$lib/server/auth/cleanup';

export const init: ServerInit = async () => {
	const handle = await getDb();
	await ensureSigningReady();
	const proxy = proxyWarning();
	if (proxy) console.warn(`[config] ${proxy}`);
	if (!config.writeThrottle)
		console.warn(
			'[config] WRITE_THROTTLE=off: draft saves, heartbeats and documents are not limited per user. For benchmarks only.'
		);
	const stopPurge = scheduleDailyPurge(async () => (await getDb()).db);
	const stopCleanup = scheduleSignInCleanup(async () => (await getDb()).db);
	const backups = startScheduledBackups(handle);
	// adapter-node answers SIGTERM/SIGINT by refusing new connections and letting the requests in
	// hand finish (SHUTDOWN_TIMEOUT, 30 s); then it emits this. A backup in progress is abandoned (its
	// partial file removed); closing the database checkpoints SQLite's WAL and ends PostgreSQL's
	// pool, so the process exits at once and cleanly.
	process.once('sveltekit:shutdown', (reason: string) => {
		stopPurge();
		stopCleanup();
		Promise.resolve(backups?.stop())
			.then(closeDb)
			.then(
				() => console.log(`[shutdown] ${reason}: requests finished, database closed`),
				(e) => console.error('[shutdown] could not close the database', e)
			);
	});
};

/** Certificate uploads may carry a PDF of up to config.maxUploadBytes; nothing else needs more than this. */
const MAX_OTHER_BODY_BYTES = 1024 * 1024;
const UPLOAD_ROUTES = new Set(['/(public)/verify', '/api/v1/certificates/verify']);

/** A body larger than the route could ever accept is refused before anything reads it. */
const bodySize: Handle = async ({ event, resolve }) => {
	const declared = Number(event.request.headers.get('content-length') ?? 0);
	const limit =
		event.route.id && UPLOAD_ROUTES.has(event.route.id) ? config.maxUploadBytes + 64 * 1024 : MAX_OTHER_BODY_BYTES;
	if (declared > limit)
		error(
			413,
			limit > MAX_OTHER_BODY_BYTES
				? 'That file is too large: a certificate PDF is at most 5 MB.'
				: 'That request is too large.'
		);
	return resolve(event);
};

const identify: Handle = async ({ event, resolve }) => {
	event.locals.requestId = randomUUID();
	event.locals.user = null;
	event.locals.session = null;
	event.locals.pendingTwoFactor = false;
	const token = event.cookies.get(sessionCookieName());
	if (token) {
		const { db } = await getDb();
		const session = await validateSessionToken(db, token);
		// The session check has read the account (and refused a disabled one): one more read for its roles.
		const user = session ? await identityOf(db, session.user) : undefined;
		if (session && user) {
			const { user: _row, ...plain } = session;
			event.locals.session = plain;
			// Password right, code not yet given: signed out for every purpose but the second step.
			if (!session.twoFactorVerified && (session.twoFactorPending || user.hasTotp))
				event.locals.pendingTwoFactor = true;
			else event.locals.user = user;
			setSessionCookie(event.cookies, token, sessionExpiresAt(session));
		} else {
			deleteSessionCookie(event.cookies);
		}
	}
	return resolve(event);
};

const guard: Handle = async ({ event, resolve }) => {
	const access = accessFor(event.route.id, event.locals.user);
	if (access.kind === 'login') {
		const step = event.locals.pendingTwoFactor ? '/login/two-factor' : '/login';
		if (event.request.method === 'GET') redirect(303, `${step}?next=${encodeURIComponent(event.url.pathname)}`);
		error(401, 'Your session has ended. Please sign in again.');
	}
	if (access.kind === 'forbidden') error(403, 'You do not have access to this page.');
	if (access.kind === 'unknown') error(404, 'Not found');
	const user = event.locals.user;
	// A program that requires staff two-factor: until it is set up, only the account pages open.
	if (user?.twoFactorRequired && !user.hasTotp && !twoFactorSetupAllowed(event.route.id)) {
		if (event.request.method === 'GET') redirect(303, '/account/security?required=1');
		error(403, 'Your program requires two-factor sign-in for staff. Set it up under Account → Sign-in security first.');
	}
	return resolve(event);
};

const headers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('X-Frame-Options', 'DENY');
	// Verification links carry a code in their query string: never pass a URL to another site.
	// (Not "no-referrer": browsers then send "Origin: null" on form posts and the CSRF check refuses them.)
	response.headers.set('Referrer-Policy', 'same-origin');
	response.headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
	response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
	// Pages are made for one person (or show a certificate holder's details): never kept by a cache
	// or the browser's back-forward store. Static files are served before this hook, with their own.
	if (!response.headers.has('Cache-Control')) response.headers.set('Cache-Control', 'private, no-store');
	if (config.secureCookies) response.headers.set('Strict-Transport-Security', config.hsts);
	if (
		!response.headers.has('Content-Security-Policy') &&
		!response.headers.get('content-type')?.includes('text/html')
	) {
		response.headers.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
	}
	return response;
};

/** Where a staff member who must still set up two-factor may go: the set-up page, sign-out and public pages. */
function twoFactorSetupAllowed(routeId: string | null): boolean {
	if (routeId === null) return true;
	return (
		routeId.startsWith('/(account)/account/') ||
		routeId.startsWith('/(auth)/') ||
		routeId.startsWith('/(public)/') ||
		routeId.startsWith('/api/') ||
		routeId === '/healthz'
	);
}

export const handle = sequence(bodySize, identify, guard, headers);

/** What a person reads for an error the app did not phrase itself: one plain sentence per status. */
const STATUS_MESSAGES: Record<number, string> = {
	400: 'The request could not be read. Go back, check what you entered and try again.',
	401: 'Your session has ended. Please sign in again.',
	403: 'You do not have access to this page.',
	404: 'Not found',
	405: 'This address does not accept that kind of request.',
	408: 'The request took too long to arrive. Please try again.',
	413: 'That is too large: a certificate PDF is at most 5 MB, and other forms much less.',
	415: 'That kind of content is not accepted here.',
	429: 'Too many requests. Please wait a minute and try again.'
};

export const handleError: HandleServerError = ({ error: err, event, status }) => {
	const requestId = event.locals.requestId ?? randomUUID();
	if (status >= 500)
		console.error(`[error] ${requestId} ${event.request.method} ${event.route.id ?? '(no route)'}`, err);
	const message =
		status >= 500
			? 'Something went wrong on our side. Please try again; if it keeps happening, tell the program and quote the request id.'
			: (STATUS_MESSAGES[status] ?? 'The request could not be completed.');
	return { message, requestId };
};
