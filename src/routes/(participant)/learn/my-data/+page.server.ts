import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import { MAX_OPEN, myCorrectionRequests, requestCorrection } from '$lib/server/privacy/corrections.service';
import { ownRecord } from '$lib/server/privacy/subject-access';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const record = await ownRecord(db, user);
	if (!record) error(404, 'No enrollment was found for your account. Contact the program.');
	return { record, corrections: await myCorrectionRequests(db, user), sent: url.searchParams.has('sent') };
};

const schema = v.object({
	body: v.pipe(
		f.text('What is wrong', 2000),
		v.minLength(10, 'Say what is wrong and what it should say (at least 10 characters).')
	)
});

export const actions: Actions = {
	correction: async (event) => {
		const user = requireRole(event.locals, 'participant');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await requestCorrection(db, user, input.data.body, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message =
				r.reason === 'too_many_open'
					? `You already have ${MAX_OPEN} requests waiting for an answer. The program will answer them first.`
					: 'Say what is wrong and what it should say (at least 10 characters).';
			return fail(409, { errors: { body: message }, values: input.values });
		}
		redirect(303, '/learn/my-data?sent=1#corrections');
	}
};
