import { requireRole } from '$lib/server/auth/guards';
import { listReferrals } from '$lib/server/court/court.service';
import { getDb } from '$lib/server/db/instance';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'court', 'admin');
	const { db } = await getDb();
	const referrals = await listReferrals(db, user);
	const filter = url.searchParams.get('status');
	return {
		filter,
		counts: {
			all: referrals.length,
			overdue: referrals.filter((r) => r.standing === 'overdue').length,
			at_risk: referrals.filter((r) => r.standing === 'at_risk').length,
			completed: referrals.filter((r) => r.standing === 'completed').length
		},
		referrals: filter ? referrals.filter((r) => r.standing === filter) : referrals
	};
};
