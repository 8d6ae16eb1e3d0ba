import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import {
	correctReferral,
	correctionForAdmin,
	correctionQueue,
	decideCorrection
} from '$lib/server/privacy/corrections.service';
import type { Actions, PageServerLoad } from './$types';

const ID = /^[a-z0-9]{1,64}$/;

export const load: PageServerLoad = async (event) => {
	const admin = requireRole(event.locals, 'admin');
	const { db } = await getDb();
	const queue = await correctionQueue(db, admin, clientIp(event));
	if (!queue) error(403, 'Your account is not attached to a program.');
	const wanted = event.url.searchParams.get('request');
	const selected = wanted && ID.test(wanted) ? await correctionForAdmin(db, admin, wanted) : undefined;
	if (wanted && !selected) error(404, 'Not found');
	return {
		...queue,
		selected: selected ?? null,
		corrected: event.url.searchParams.get('corrected'),
		justDecided: event.url.searchParams.has('decided')
	};
};

const requestId = v.pipe(v.string('Choose a request.'), v.regex(ID, 'Choose a request.'));

const correctSchema = v.object({
	requestId,
	legalName: f.line('Legal name', 120),
	dateOfBirth: f.date('Date of birth'),
	caseNumber: f.caseNumber(),
	offence: f.optionalLine('Offence', 200),
	offenceDate: f.optionalDate('Offence date'),
	email: f.optionalEmail(),
	phone: f.optionalText('Phone', 40)
});

const decideSchema = v.object({
	requestId,
	decision: v.picklist(['corrected', 'declined'], 'Choose whether the data was corrected.'),
	response: v.pipe(
		f.text('Answer to the participant', 2000),
		v.minLength(5, 'Write the answer the participant will read.')
	)
});

export const actions: Actions = {
	correct: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(correctSchema, await event.request.formData());
		if (!input.ok) return fail(400, { correctErrors: input.errors, values: input.values });
		const { db } = await getDb();
		const request = await correctionForAdmin(db, admin, input.data.requestId);
		if (!request) error(404, 'Not found');
		const r = await correctReferral(db, admin, request.enrollment_id, input.data, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message =
				r.reason === 'has_certificate'
					? {
							_form:
								'He holds a valid certificate: correct it in the certificate registry (correct and reissue), so the certificate matches.'
						}
					: { caseNumber: 'Another referral of this court already has this case number.' };
			return fail(409, { correctErrors: message, values: input.values });
		}
		redirect(303, `/admin/corrections?request=${input.data.requestId}&corrected=${r.changed.length}`);
	},
	decide: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(decideSchema, await event.request.formData());
		if (!input.ok) return fail(400, { decideErrors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await decideCorrection(
			db,
			admin,
			input.data.requestId,
			input.data.decision,
			input.data.response,
			clientIp(event)
		);
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message =
				r.reason === 'already_decided'
					? { _form: 'Another admin has already answered this request; their answer is shown below.' }
					: { response: 'Write the answer the participant will read.' };
			return fail(409, { decideErrors: message, values: input.values });
		}
		redirect(303, '/admin/corrections?decided=1');
	}
};
