import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { participantDashboard } from '$lib/server/learning/dashboard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const d = await participantDashboard(db, user);
	if (!d) error(404, 'No active enrollment was found for your account. Contact the program.');
	const { state } = d;
	return {
		welcome: url.searchParams.has('welcome'),
		passwordReset: url.searchParams.has('reset'),
		name: user.name,
		dueDate: state.enrollment.due_date,
		courtName: d.courtName,
		caseNumber: state.enrollment.case_number,
		next: d.next,
		sessionNotices: d.sessionNotices,
		certificate: d.certificate,
		requirements: state.requirements,
		totalSeatSeconds: state.totalSeatSeconds,
		modules: state.modules.map((m) => ({
			id: m.moduleId,
			position: m.position,
			title: m.title,
			summary: m.summary,
			seatSeconds: m.seatSeconds,
			requiredSeconds: m.requiredSeconds,
			quizPassed: m.quizPassed,
			quizLocked: m.quizLocked,
			unlocked: m.unlocked,
			complete: m.complete,
			revision: m.reflections.some((r) => r.status === 'needs_revision'),
			awaitingGrade: m.reflections.some((r) => r.status === 'submitted')
		}))
	};
};
