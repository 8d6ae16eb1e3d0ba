import { fail } from '@sveltejs/kit';
import QRCode from 'qrcode';
import * as v from 'valibot';
import { passwordMessages } from '$lib/domain/password-policy';
import { waitText } from '$lib/format';
import { requireUser } from '$lib/server/auth/guards';
import { changePassword } from '$lib/server/auth/password-change';
import { homeFor } from '$lib/server/auth/redirects';
import { reauthMessages } from '$lib/server/auth/reauthenticate';
import { endOtherSessions, endOwnSession, listSessions } from '$lib/server/auth/session';
import { disableTotp, enableTotp, mayUseTotp, pendingTotpKey, totpKeyUri } from '$lib/server/auth/totp';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const code = v.pipe(
	v.string('Enter the 6-digit code.'),
	v.transform((s) => s.replace(/\s+/g, '')),
	v.regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.')
);
const twoFactorSchema = v.object({ password: f.password('Your current password'), code });
const passwordSchema = v.object({ current: f.password('Your current password'), password: f.password('New password') });
const sessionSchema = v.object({
	sessionId: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,64}$/, 'That session was not found.'))
});

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireUser(locals);
	const { db } = await getDb();
	const sessions = await listSessions(db, user.id, locals.session!.id);
	const base = { home: homeFor(user.roles), sessions, staff: mayUseTotp(user), required: user.twoFactorRequired };
	if (!base.staff) return { ...base, twoFactor: null };
	if (user.hasTotp) return { ...base, twoFactor: { enabled: true as const } };
	// The key is made and kept by the server; the page only shows it.
	const key = await pendingTotpKey(db, user);
	const uri = totpKeyUri(user.email, key);
	const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 });
	const secret = uri.match(/secret=([A-Z2-7]+)/)?.[1] ?? '';
	return { ...base, twoFactor: { enabled: false as const, qr, secret: secret.replace(/(.{4})/g, '$1 ').trim() } };
};

const codeMessages = {
	invalid: 'That code is not right. Check that the phone’s time is right and enter the current code.',
	replayed: 'That code has already been used. Wait for the next one.',
	expired: 'The set-up code on this page is too old. Reload the page, scan the new QR code and try again.',
	already_enabled: 'Two-factor sign-in is already on for this account.',
	not_enabled: 'Two-factor sign-in is not on for this account.',
	required: 'Your program requires two-factor sign-in for staff, so it cannot be turned off.'
} as const;

/** A wrong password is told at the password field, everything else at the code field. */
function failure(field: 'enable' | 'disable', r: { reason: string; retryAfter?: number }) {
	if (r.reason === 'wrong_password') return fail(400, { [`${field}PasswordError`]: reauthMessages.wrong_password });
	if (r.reason === 'rate_limited')
		return fail(429, { [`${field}Error`]: reauthMessages.rate_limited(r.retryAfter ?? 60) });
	return fail(r.reason === 'required' ? 409 : 400, {
		[`${field}Error`]:
			codeMessages[r.reason as keyof typeof codeMessages] ?? 'That did not work. Reload the page and try again.'
	});
}

export const actions: Actions = {
	enable: async (event) => {
		const user = requireUser(event.locals);
		const input = parseForm(twoFactorSchema, await event.request.formData());
		if (!input.ok) return fail(400, { enablePasswordError: input.errors.password, enableError: input.errors.code });
		const { db } = await getDb();
		const r = await enableTotp(
			db,
			user,
			event.locals.session!.id,
			input.data.password,
			input.data.code,
			clientIp(event)
		);
		if (!r.ok)
			return r.reason === 'not_staff'
				? fail(404, { enableError: 'Two-factor sign-in is for staff accounts.' })
				: failure('enable', r);
		return { enabled: true, endedSessions: r.endedSessions };
	},
	disable: async (event) => {
		const user = requireUser(event.locals);
		if (!mayUseTotp(user)) return fail(404, { disableError: 'Two-factor sign-in is for staff accounts.' });
		const input = parseForm(twoFactorSchema, await event.request.formData());
		if (!input.ok) return fail(400, { disablePasswordError: input.errors.password, disableError: input.errors.code });
		const { db } = await getDb();
		const r = await disableTotp(
			db,
			user,
			event.locals.session!.id,
			input.data.password,
			input.data.code,
			clientIp(event)
		);
		if (!r.ok) return failure('disable', r);
		return { disabled: true };
	},
	password: async (event) => {
		const user = requireUser(event.locals);
		const input = parseForm(passwordSchema, await event.request.formData());
		if (!input.ok) return fail(400, { passwordErrors: input.errors });
		const { db } = await getDb();
		const r = await changePassword(
			db,
			user,
			event.locals.session!.id,
			input.data.current,
			input.data.password,
			clientIp(event)
		);
		if (!r.ok) {
			if (r.reason === 'rate_limited')
				return fail(429, {
					passwordErrors: { current: `Too many wrong passwords. Please wait ${waitText(r.retryAfter)} and try again.` }
				});
			if (r.reason === 'wrong_password')
				return fail(400, { passwordErrors: { current: reauthMessages.wrong_password } });
			if (r.reason === 'same_password')
				return fail(400, { passwordErrors: { password: 'The new password is the same as the current one.' } });
			return fail(400, { passwordErrors: { password: passwordMessages[r.problem] } });
		}
		return { passwordChanged: true, endedSessions: r.endedSessions };
	},
	endSession: async (event) => {
		const user = requireUser(event.locals);
		const input = parseForm(sessionSchema, await event.request.formData());
		const { db } = await getDb();
		if (!input.ok || input.data.sessionId === event.locals.session!.id)
			return fail(400, { sessionError: 'That session was not found. To end this one, sign out.' });
		const ended = await endOwnSession(db, user.id, input.data.sessionId, clientIp(event));
		if (!ended) return fail(404, { sessionError: 'That session was not found; it may have ended already.' });
		return { sessionsEnded: 1 };
	},
	endOthers: async (event) => {
		const user = requireUser(event.locals);
		const { db } = await getDb();
		return { sessionsEnded: await endOtherSessions(db, user.id, event.locals.session!.id, clientIp(event)) };
	}
};
