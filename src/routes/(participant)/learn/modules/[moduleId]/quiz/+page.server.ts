import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { moduleHeading } from '$lib/server/curriculum/modules.queries';
import { openAttempt, submitAttempt } from '$lib/server/quizzes/quiz.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const r = await openAttempt(db, user, params.moduleId);
	if (!r.ok) {
		if (r.reason === 'passed') redirect(303, `/learn/modules/${params.moduleId}`);
		const messages = {
			no_enrollment: [404, 'Not found'],
			not_found: [404, 'Not found'],
			locked: [403, 'This module opens when the module before it is complete.'],
			seat_time: [403, 'The quiz opens when you have spent the minimum time on the module.'],
			quiz_locked: [403, 'You have used every attempt. A facilitator must unlock the quiz; contact the program.']
		} as const;
		const [status, message] = messages[r.reason];
		error(status, message);
	}
	const mod = await moduleHeading(db, params.moduleId);
	// Only ids, prompts and labels: which options are correct never leaves the server.
	return {
		module: { id: params.moduleId, ...mod },
		attempt: { id: r.attemptId, no: r.attemptNo, allowed: r.attemptsAllowed, passMark: r.passMark },
		questions: r.questions
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { locals, params, request } = event;
		const user = requireRole(locals, 'participant');
		const form = await request.formData();
		const attemptId = String(form.get('attemptId') ?? '').slice(0, 64);
		const answers: Record<string, string[]> = {};
		for (const [key, value] of form.entries()) {
			if (!key.startsWith('q_') || typeof value !== 'string' || key.length > 70) continue;
			(answers[key.slice(2)] ??= []).push(value.slice(0, 64));
		}
		const { db } = await getDb();
		const r = await submitAttempt(db, user, params.moduleId, attemptId, answers, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'unanswered') return fail(400, { missing: r.missing ?? [], answers });
			error(404, 'Not found');
		}
		redirect(303, `/learn/modules/${params.moduleId}/quiz/${r.attemptId}`);
	}
};
