import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import { hearingSoon, setNextHearing, viewReferral } from '$lib/server/court/court.service';
import { getDb } from '$lib/server/db/instance';
import { issueNewEnrollmentCode } from '$lib/server/enrollment/letter.service';
import { clientIp, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const { db } = await getDb();
	const r = await viewReferral(db, user, event.params.id, clientIp(event));
	if (!r) error(404, 'Not found');
	const e = r.enrollment;
	return {
		id: e.id,
		referral: {
			legalName: e.legal_name,
			dateOfBirth: e.date_of_birth,
			caseNumber: e.case_number,
			offence: e.offence,
			offenceDate: e.offence_date,
			registrationNumber: e.registration_number,
			referralDate: e.referral_date,
			dueDate: e.due_date,
			activatedAt: e.activated_at,
			completedAt: e.completed_at,
			codeExpiresAt: e.user_id ? null : e.code_expires_at,
			courtName: r.courtName,
			nextHearingDate: e.next_hearing_date
		},
		hearingSoon: hearingSoon(e),
		hearingSaved: event.url.searchParams.has('hearing'),
		standing: r.standing,
		standingReasons: r.standingReasons,
		extensions: r.extensions,
		certificates: r.certificates
	};
};

const hearingSchema = v.object({
	nextHearingDate: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(10, 'Enter a date.')), ''),
	clear: v.optional(v.string())
});

const hearingMessages = {
	invalid_date: 'Enter a real date.',
	before_referral: 'The hearing cannot be before the referral date.',
	too_far: 'That is more than three years ahead. Check the year.'
} as const;

export const actions: Actions = {
	hearing: async (event) => {
		const user = requireRole(event.locals, 'court', 'admin');
		const input = parseForm(hearingSchema, await event.request.formData());
		if (!input.ok)
			return fail(400, { hearingError: 'Enter a date.', hearingValue: input.values.nextHearingDate ?? '' });
		const date =
			input.data.clear !== undefined || input.data.nextHearingDate === '' ? null : input.data.nextHearingDate;
		const { db } = await getDb();
		const r = await setNextHearing(db, user, event.params.id, date, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(400, { hearingError: hearingMessages[r.reason], hearingValue: input.data.nextHearingDate });
		}
		redirect(303, `/court/referrals/${event.params.id}?hearing=1`);
	},
	newCode: async (event) => {
		const user = requireRole(event.locals, 'court', 'admin');
		const { db } = await getDb();
		const r = await issueNewEnrollmentCode(db, user, event.params.id, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, { codeError: 'The participant has already activated his account; a new code is not needed.' });
		}
		return { newCode: r.code, codeExpiresAt: r.codeExpiresAt };
	}
};
