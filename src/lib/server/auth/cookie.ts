import type { Cookies } from '@sveltejs/kit';
import { config } from '../config';

// __Host- binds the cookie to this exact origin; it requires Secure, so only over HTTPS.
export function sessionCookieName(): string {
	return config.secureCookies ? '__Host-session' : 'session';
}

export function setSessionCookie(cookies: Cookies, token: string, expiresAt: Date): void {
	cookies.set(sessionCookieName(), token, {
		httpOnly: true,
		secure: config.secureCookies,
		sameSite: 'lax',
		path: '/',
		expires: expiresAt
	});
}

export function deleteSessionCookie(cookies: Cookies): void {
	cookies.delete(sessionCookieName(), { httpOnly: true, secure: config.secureCookies, sameSite: 'lax', path: '/' });
}
