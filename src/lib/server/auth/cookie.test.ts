import type { Cookies } from '@sveltejs/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteSessionCookie, sessionCookieName, setSessionCookie } from './cookie';

function recorder() {
	const calls: { op: string; name: string; value?: string; opts: Record<string, unknown> }[] = [];
	const cookies = {
		set: (name: string, value: string, opts: Record<string, unknown>) => calls.push({ op: 'set', name, value, opts }),
		delete: (name: string, opts: Record<string, unknown>) => calls.push({ op: 'delete', name, opts })
	} as unknown as Cookies;
	return { cookies, calls };
}

describe('session cookie (SECURITY #6)', () => {
	const saved = { ORIGIN: process.env.ORIGIN, COOKIE_SECURE: process.env.COOKIE_SECURE };
	afterEach(() => {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	});

	it('is __Host-session, Secure, HttpOnly, SameSite=Lax, Path=/ when the site is served over HTTPS', () => {
		process.env.ORIGIN = 'https://johnschool.example.org';
		delete process.env.COOKIE_SECURE;
		const { cookies, calls } = recorder();
		const expires = new Date('2026-06-01T12:00:00Z');
		setSessionCookie(cookies, 'id.secret', expires);
		expect(calls).toEqual([
			{
				op: 'set',
				name: '__Host-session',
				value: 'id.secret',
				opts: { httpOnly: true, secure: true, sameSite: 'lax', path: '/', expires }
			}
		]);
		deleteSessionCookie(cookies);
		expect(calls[1]).toMatchObject({ op: 'delete', name: '__Host-session', opts: { secure: true, path: '/' } });
	});

	it('drops Secure and the __Host- prefix only over plain HTTP (a laptop demo), unless told otherwise', () => {
		process.env.ORIGIN = 'http://127.0.0.1:3000';
		delete process.env.COOKIE_SECURE;
		expect(sessionCookieName()).toBe('session');
		process.env.COOKIE_SECURE = 'true';
		expect(sessionCookieName()).toBe('__Host-session');
		const { cookies, calls } = recorder();
		setSessionCookie(cookies, 't', new Date());
		expect(calls[0].opts.secure).toBe(true);
	});
});
