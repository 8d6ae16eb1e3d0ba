import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { gradingQueueCount } from '$lib/server/facilitation/grading-queue';
import { openSafetyCount } from '$lib/server/facilitation/safety.service';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const [gradingWaiting, safetyOpen] = await Promise.all([gradingQueueCount(db, user), openSafetyCount(db, user)]);
	return { gradingWaiting, safetyOpen };
};
