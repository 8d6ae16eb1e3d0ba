import { error, fail } from '@sveltejs/kit';
import QRCode from 'qrcode';
import * as v from 'valibot';
import { requireUser } from '$lib/server/auth/guards';
import { homeFor } from '$lib/server/auth/redirects';
import { disableTotp, enableTotp, mayUseTotp, newTotpKey, totpKeyUri } from '$lib/server/auth/totp';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const code = v.pipe(v.string('Enter the 6-digit code.'), v.transform((s) => s.replace(/\s+/g, '')), v.regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.'));
const enableSchema = v.object({ key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/=]{28}$/, 'The set-up key was damaged. Reload the page and start again.')), code });
const disableSchema = v.object({ code });

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireUser(locals);
	if (!mayUseTotp(user)) error(404, 'Not found');
	const required = user.twoFactorRequired;
	const home = homeFor(user.roles);
	if (user.hasTotp) return { enabled: true as const, required, home };
	// The new key travels in the form and is stored only when a code made from it comes back.
	const key = newTotpKey();
	const uri = totpKeyUri(user.email, key);
	const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 });
	const secret = uri.match(/secret=([A-Z2-7]+)/)?.[1] ?? '';
	return { enabled: false as const, required, home, key, qr, secret: secret.replace(/(.{4})/g, '$1 ').trim() };
};

export const actions: Actions = {
	enable: async (event) => {
		const user = requireUser(event.locals);
		const input = parseForm(enableSchema, await event.request.formData());
		if (!input.ok) return fail(400, { enableError: input.errors.code ?? input.errors.key });
		const { db } = await getDb();
		const r = await enableTotp(db, user, event.locals.session!.id, input.data.key, input.data.code, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_staff') error(404, 'Not found');
			const message = {
				already_enabled: 'Two-factor sign-in is already on for this account.',
				invalid: 'That code does not match. Check that the phone’s time is right and enter the current code.',
				bad_key: 'The set-up key was damaged. Reload the page and start again.'
			}[r.reason];
			return fail(400, { enableError: message });
		}
		return { enabled: true };
	},
	disable: async (event) => {
		const user = requireUser(event.locals);
		if (!mayUseTotp(user)) error(404, 'Not found');
		const input = parseForm(disableSchema, await event.request.formData());
		if (!input.ok) return fail(400, { disableError: input.errors.code });
		const { db } = await getDb();
		const r = await disableTotp(db, user, input.data.code, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'required') return fail(409, { disableError: 'Your program requires two-factor sign-in for staff, so it cannot be turned off.' });
			const message =
				r.reason === 'rate_limited'
					? `Too many wrong codes. Please wait ${Math.ceil(r.retryAfter / 60)} minute(s).`
					: r.reason === 'replayed'
						? 'That code has already been used. Wait for the next one.'
						: 'That code is not right.';
			return fail(r.reason === 'rate_limited' ? 429 : 400, { disableError: message });
		}
		return { disabled: true };
	}
};
