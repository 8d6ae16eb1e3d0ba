import { error, fail } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { viewReferral } from '$lib/server/court/court.service';
import { getDb } from '$lib/server/db/instance';
import { issueNewEnrollmentCode } from '$lib/server/enrollment/letter.service';
import { clientIp } from '$lib/server/forms';
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
			referralDate: e.referral_date,
			dueDate: e.due_date,
			activatedAt: e.activated_at,
			completedAt: e.completed_at,
			codeExpiresAt: e.user_id ? null : e.code_expires_at,
			courtName: r.courtName
		},
		compliance: r.compliance,
		extensions: r.extensions,
		certificates: r.certificates
	};
};

export const actions: Actions = {
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
