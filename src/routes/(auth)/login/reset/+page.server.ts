import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { passwordMessages } from '$lib/domain/password-policy';
import { setSessionCookie } from '$lib/server/auth/cookie';
import { resetPassword } from '$lib/server/auth/password-reset';
import { rememberDevice } from '$lib/server/auth/known-devices';
import { describeDevice, sessionExpiresAt, validateSessionToken } from '$lib/server/auth/session';
import { waitText } from '$lib/format';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const schema = v.object({
	code: v.pipe(
		f.text('Reset code', 40),
		v.regex(/^[A-Za-z0-9 -]+$/, 'The reset code has letters, numbers and dashes only.')
	),
	dateOfBirth: f.date('Date of birth'),
	password: f.password('New password')
});

export const load: PageServerLoad = ({ locals }) => {
	if (locals.user) redirect(303, '/learn');
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const input = parseForm(schema, await event.request.formData(), ['code']);
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await resetPassword(db, {
			...input.data,
			ip: clientIp(event),
			device: describeDevice(event.request.headers.get('user-agent'))
		});
		if (!r.ok) {
			const errors: Record<string, string> =
				r.reason === 'rate_limited'
					? { _form: `Too many attempts from this connection. Please wait ${waitText(r.retryAfter)} and try again.` }
					: r.reason === 'weak_password'
						? { password: passwordMessages[r.problem] }
						: r.reason === 'expired'
							? { code: 'This reset code has expired. Ask the program for a new one.' }
							: {
									_form:
										'The reset code and date of birth do not match. Check the code you were given; a code works only once.'
								};
			return fail(r.reason === 'rate_limited' ? 429 : 400, { errors, values: input.values });
		}
		const session = (await validateSessionToken(db, r.token))!;
		setSessionCookie(event.cookies, r.token, sessionExpiresAt(session));
		await rememberDevice(db, event.cookies, r.userId);
		redirect(303, '/learn?reset=1');
	}
};
