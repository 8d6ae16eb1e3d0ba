import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { NOTICE, NOTICE_VERSION } from '$lib/domain/notice';
import { passwordMessages } from '$lib/domain/password-policy';
import { setSessionCookie } from '$lib/server/auth/cookie';
import { rememberDevice } from '$lib/server/auth/known-devices';
import { describeDevice, sessionExpiresAt, validateSessionToken } from '$lib/server/auth/session';
import { waitText } from '$lib/format';
import { getDb } from '$lib/server/db/instance';
import { activate } from '$lib/server/enrollment/activation.service';
import { clientIp, f, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const schema = v.object({
	code: v.pipe(
		f.text('Enrollment code', 40),
		v.regex(/^[A-Za-z0-9 -]+$/, 'The enrollment code has letters, numbers and dashes only.')
	),
	dateOfBirth: f.date('Date of birth'),
	caseNumber: f.text('Case number', 40),
	email: f.email(),
	password: f.password(),
	notice: f.checkbox()
});

export const load: PageServerLoad = ({ locals }) => {
	if (locals.user) redirect(303, '/learn');
	return { notice: NOTICE, noticeVersion: NOTICE_VERSION };
};

const messages = {
	invalid_code: { code: 'That enrollment code was not found. Check it against your referral letter.' },
	details_mismatch: {
		_form: 'The date of birth or case number does not match this referral. Check your referral letter.'
	},
	code_used: { code: 'This code has already been used. If you activated your account already, sign in instead.' },
	code_expired: { code: 'This code has expired. Ask the court or the program for a new one.' },
	email_taken: {
		email:
			'This e-mail address cannot be used for a new account. Use another address that only you read. If you already have an account, sign in instead.'
	},
	notice_required: { notice: 'You must read and acknowledge the data practices notice to continue.' },
	no_curriculum: { _form: 'The course is not ready yet. Please contact the program.' }
} as const;

export const actions: Actions = {
	default: async (event) => {
		const input = parseForm(schema, await event.request.formData(), ['code']);
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const result = await activate(db, {
			...input.data,
			noticeAcknowledged: input.data.notice,
			ip: clientIp(event),
			device: describeDevice(event.request.headers.get('user-agent'))
		});
		if (!result.ok) {
			const errors =
				result.reason === 'rate_limited'
					? {
							_form: `Too many attempts from this connection. Please wait ${waitText(result.retryAfter)} and try again.`
						}
					: result.reason === 'weak_password'
						? { password: passwordMessages[result.problem] }
						: messages[result.reason];
			return fail(result.reason === 'rate_limited' ? 429 : 400, {
				errors: errors as Record<string, string>,
				values: input.values
			});
		}
		const session = (await validateSessionToken(db, result.token))!;
		setSessionCookie(event.cookies, result.token, sessionExpiresAt(session));
		await rememberDevice(db, event.cookies, result.userId);
		redirect(303, '/learn?welcome=1');
	}
};
