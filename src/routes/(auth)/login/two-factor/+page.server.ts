import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { rememberDevice } from '$lib/server/auth/known-devices';
import { homeFor, safeNext } from '$lib/server/auth/redirects';
import { verifySecondFactor } from '$lib/server/auth/totp';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import { findIdentity } from '$lib/server/users/users.queries';
import type { Actions, PageServerLoad } from './$types';

const schema = v.object({
	code: v.pipe(
		v.string('Enter the 6-digit code.'),
		v.transform((s) => s.replace(/\s+/g, '')),
		v.regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.')
	),
	next: v.optional(v.string(), '')
});

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(locals.user.roles));
	if (!locals.pendingTwoFactor) redirect(303, '/login');
	return { next: safeNext(url.searchParams.get('next')) ?? '' };
};

export const actions: Actions = {
	default: async (event) => {
		const session = event.locals.session;
		if (!event.locals.pendingTwoFactor || !session) redirect(303, '/login');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { error: input.errors.code ?? input.errors._form });
		const { db } = await getDb();
		const r = await verifySecondFactor(db, session.id, session.userId, input.data.code, clientIp(event));
		if (!r.ok) {
			const error =
				r.reason === 'rate_limited'
					? `Too many wrong codes. Please wait ${Math.ceil(r.retryAfter / 60)} minute(s) and try again.`
					: r.reason === 'replayed'
						? 'That code has already been used. Wait for the next code and enter it.'
						: 'That code is not right. Check the time on your phone and enter the current code.';
			return fail(r.reason === 'rate_limited' ? 429 : 400, { error });
		}
		await rememberDevice(db, event.cookies, session.userId);
		const user = (await findIdentity(db, session.userId))!;
		redirect(303, safeNext(input.data.next) ?? homeFor(user.roles));
	}
};
