import { requireRole } from '$lib/server/auth/guards';
import { reviewQueue } from '$lib/server/completion/completion.service';
import { getDb } from '$lib/server/db/instance';
import { gradingQueue } from '$lib/server/facilitation/grading-queue';
import { participantsOverview } from '$lib/server/facilitation/oversight';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const [review, grading, attention] = await Promise.all([
		reviewQueue(db, user),
		gradingQueue(db, user),
		participantsOverview(db, user, { show: 'attention', sort: 'due' })
	]);
	return {
		review: review.map((r) => ({
			id: r.enrollment.id,
			legalName: r.enrollment.legal_name,
			caseNumber: r.enrollment.case_number,
			attestedAt: r.enrollment.attested_at,
			requirements: r.requirements
		})),
		grading: { waiting: grading.length, oldest: grading.slice(0, 5) },
		attention: attention.rows,
		counts: attention.counts
	};
};
