import { fail } from '@sveltejs/kit';
import * as v from 'valibot';
import { courtsInScope } from '$lib/server/access';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { createReferral } from '$lib/server/enrollment/referral.service';
import { clientIp, f, parseForm } from '$lib/server/forms';
import { today } from '$lib/server/clock';
import type { Actions, PageServerLoad } from './$types';

const schema = v.object({
	legalName: f.line('Legal name', 120),
	dateOfBirth: f.date('Date of birth'),
	courtId: f.text('Court', 64),
	caseNumber: f.caseNumber(),
	offence: f.optionalLine('Offence', 200),
	offenceDate: f.optionalDate('Offence date'),
	referralDate: f.date('Referral date'),
	dueDate: f.date('Due date'),
	email: f.optionalEmail(),
	phone: v.optional(
		v.pipe(
			v.string(),
			v.trim(),
			v.maxLength(30, 'Phone must be at most 30 characters.'),
			v.regex(/^[0-9 ()+.-]*$/, 'Enter a phone number with digits only.')
		),
		''
	)
});

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'court', 'admin');
	const { db } = await getDb();
	return { courts: await courtsInScope(db, user), today: today() };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event.locals, 'court', 'admin');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		if (input.data.dateOfBirth >= today())
			return fail(400, { errors: { dateOfBirth: 'Date of birth must be in the past.' }, values: input.values });
		if (input.data.offenceDate && input.data.offenceDate > today())
			return fail(400, { errors: { offenceDate: 'The offence date cannot be in the future.' }, values: input.values });
		const { db } = await getDb();
		const r = await createReferral(db, user, input.data, clientIp(event));
		if (!r.ok) {
			const errors: Record<string, Record<string, string>> = {
				court_not_found: { courtId: 'Choose one of your courts.' },
				duplicate_case: {
					caseNumber: 'A referral with this case number already exists for this court. Open it from the referral list.'
				},
				due_before_referral: { dueDate: 'The due date must be on or after the referral date.' },
				offence_after_referral: { offenceDate: 'The offence date must be on or before the referral date.' }
			};
			return fail(400, { errors: errors[r.reason], values: input.values });
		}
		return {
			created: {
				id: r.enrollmentId,
				code: r.code,
				registrationNumber: r.registrationNumber,
				codeExpiresAt: r.codeExpiresAt,
				legalName: input.data.legalName,
				caseNumber: input.data.caseNumber.toUpperCase(),
				dateOfBirth: input.data.dateOfBirth,
				dueDate: input.data.dueDate
			}
		};
	}
};
