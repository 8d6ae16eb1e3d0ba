import { error } from '@sveltejs/kit';
import { adminOverview } from '$lib/server/admin/admin.service';
import { requireRole } from '$lib/server/auth/guards';
import { keyWarnings, timeStampingWarnings } from '$lib/server/certificates/certificate-keys';
import { getDb } from '$lib/server/db/instance';
import { openCorrectionCounts } from '$lib/server/privacy/corrections.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const admin = requireRole(locals, 'admin');
	const { db } = await getDb();
	const overview = await adminOverview(db, admin);
	if (!overview) error(403, 'Your account is not attached to a program.');
	return {
		...overview,
		corrections: await openCorrectionCounts(db, admin),
		keyWarnings: [...keyWarnings(), ...timeStampingWarnings()]
	};
};
