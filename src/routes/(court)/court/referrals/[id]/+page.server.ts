import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { viewReferral } from '$lib/server/court/court.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const { db } = await getDb();
	const r = await viewReferral(db, user, event.params.id, clientIp(event));
	if (!r) error(404, 'Not found');
	const e = r.enrollment;
	return {
		referral: {
			legalName: e.legal_name,
			dateOfBirth: e.date_of_birth,
			caseNumber: e.case_number,
			offence: e.offence,
			referralDate: e.referral_date,
			dueDate: e.due_date,
			activatedAt: e.activated_at,
			completedAt: e.completed_at,
			courtName: r.courtName
		},
		compliance: r.compliance,
		certificates: r.certificates
	};
};
