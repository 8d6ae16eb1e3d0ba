import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { gradingQueueCount } from '$lib/server/facilitation/grading-queue';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	return { gradingWaiting: await gradingQueueCount(db, user) };
};
