import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { certificateForCourt } from '$lib/server/verification/checks.service';
import type { PageServerLoad } from './$types';

/** One certificate of the user's courts, its corrections and who checked it; another court's answers 404. */
export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const { db } = await getDb();
	const view = await certificateForCourt(db, user, event.params.id.slice(0, 64), clientIp(event));
	if (!view) error(404, 'Not found');
	return view;
};
