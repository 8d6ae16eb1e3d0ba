import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { setSessionCookie } from '$lib/server/auth/cookie';
import { deviceTokens, rememberDevice } from '$lib/server/auth/known-devices';
import { login } from '$lib/server/auth/login';
import { describeDevice, sessionExpiresAt, validateSessionToken } from '$lib/server/auth/session';
import { homeFor, safeNext } from '$lib/server/auth/redirects';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import { findIdentity } from '$lib/server/users/users.queries';
import { waitText } from '$lib/format';
import type { Actions, PageServerLoad } from './$types';

const schema = v.object({ email: f.email(), password: f.password(), next: v.optional(v.string(), '') });

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(locals.user.roles));
	return { next: safeNext(url.searchParams.get('next')) ?? '' };
};

export const actions: Actions = {
	default: async (event) => {
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const result = await login(db, {
			email: input.data.email,
			password: input.data.password,
			ip: clientIp(event),
			deviceTokens: deviceTokens(event.cookies),
			device: describeDevice(event.request.headers.get('user-agent'))
		});
		if (!result.ok) {
			const message =
				result.reason === 'rate_limited'
					? `Too many attempts. Please wait ${waitText(result.retryAfter)} and try again. A device you have signed in with before is not held up by this.`
					: 'That e-mail and password do not match an account.';
			return fail(result.reason === 'rate_limited' ? 429 : 400, {
				errors: { _form: message },
				values: { email: input.data.email }
			});
		}
		const session = (await validateSessionToken(db, result.token))!;
		setSessionCookie(event.cookies, result.token, sessionExpiresAt(session));
		if (result.twoFactor) {
			const next = safeNext(input.data.next);
			redirect(303, `/login/two-factor${next ? `?next=${encodeURIComponent(next)}` : ''}`);
		}
		await rememberDevice(db, event.cookies, result.userId);
		const user = (await findIdentity(db, result.userId))!;
		redirect(303, safeNext(input.data.next) ?? homeFor(user.roles));
	}
};
