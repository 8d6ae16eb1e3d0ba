import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import {
	gradingQueue,
	gradingQueueFilters,
	parseQueueFilters,
	queueFiltersQuery
} from '$lib/server/facilitation/grading-queue';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const filters = parseQueueFilters(url.searchParams);
	const [items, options] = await Promise.all([gradingQueue(db, user, filters), gradingQueueFilters(db, user)]);
	return {
		items,
		options,
		filters: { module: filters.module ?? null, participant: filters.participant ?? null },
		back: queueFiltersQuery(filters)
	};
};
