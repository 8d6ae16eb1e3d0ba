import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { attemptReview } from '$lib/server/quizzes/quiz.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const r = await attemptReview(db, user, params.moduleId, params.attemptId);
	if (!r.ok) error(404, 'Not found');
	return {
		moduleId: params.moduleId,
		title: r.module.title,
		attemptNo: r.attemptNo,
		percent: r.percent,
		passed: r.passed,
		passMark: r.module.passMark,
		locked: r.module.quizLocked,
		attemptsLeft: Math.max(0, r.module.attemptsAllowed - r.module.attemptsUsed),
		questions: r.questions
	};
};
