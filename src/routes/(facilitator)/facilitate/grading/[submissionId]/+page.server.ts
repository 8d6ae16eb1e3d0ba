import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { submissionForGrading } from '$lib/server/facilitation/facilitation.service';
import { raiseFlag } from '$lib/server/facilitation/safety.service';
import { openFlagsOfSubmission } from '$lib/server/facilitation/safety.queries';
import { SAFETY_CATEGORIES, SAFETY_LABELS } from '$lib/domain/safety';
import { parseQueueFilters, queueFiltersQuery } from '$lib/server/facilitation/grading-queue';
import { clientIp, parseForm } from '$lib/server/forms';
import { gradeReflection } from '$lib/server/reflections/reflection.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const s = await submissionForGrading(db, user, params.submissionId);
	if (!s) error(404, 'Not found');
	return {
		submission: {
			id: s.id,
			version: s.version,
			body: s.body,
			status: s.status,
			submittedAt: s.submitted_at,
			legalName: s.legal_name,
			prompt: s.prompt,
			module: `${s.position}. ${s.title}`,
			enrollmentId: s.enrollment_id
		},
		rubric: s.rubric,
		earlier: s.earlier,
		grade: s.grade,
		queue: queueFiltersQuery(parseQueueFilters(url.searchParams)),
		flags: (await openFlagsOfSubmission(db, s.id)).map((f) => ({ ...f, label: SAFETY_LABELS[f.category] })),
		flagged: url.searchParams.has('flagged')
	};
};

const flagSchema = v.object({
	category: v.picklist(SAFETY_CATEGORIES, 'Choose what kind of concern it is.'),
	note: v.pipe(
		v.string('Say what you read and why it worries you.'),
		v.trim(),
		v.minLength(5, 'Say what you read and why it worries you.'),
		v.maxLength(2000, 'At most 2000 characters.')
	)
});

const schema = v.object({
	outcome: v.picklist(['satisfactory', 'needs_revision'], 'Choose an outcome.'),
	feedback: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(4000, 'Feedback can be at most 4000 characters.')), ''),
	criterion: v.optional(v.union([v.string(), v.array(v.string())]), [])
});

export const actions: Actions = {
	flag: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(flagSchema, await event.request.formData());
		if (!input.ok) return fail(400, { flagErrors: input.errors, flagValues: input.values });
		const { db } = await getDb();
		const r = await raiseFlag(db, user, event.params.submissionId, input.data, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(400, { flagErrors: { note: 'Say what you read and why it worries you.' }, flagValues: input.values });
		}
		redirect(303, `/facilitate/grading/${event.params.submissionId}?flagged=1`);
	},
	grade: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const s = await submissionForGrading(db, user, event.params.submissionId);
		if (!s) error(404, 'Not found');
		const met = new Set(([] as string[]).concat(input.data.criterion));
		const rubric = Object.fromEntries(s.rubric.map((c, i) => [c, met.has(String(i))]));
		const r = await gradeReflection(
			db,
			user,
			{ submissionId: s.id, outcome: input.data.outcome, feedback: input.data.feedback, rubric },
			clientIp(event)
		);
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message =
				r.reason === 'already_graded'
					? 'Someone already graded this submission. Nothing was changed.'
					: 'Write feedback so the participant knows what to revise.';
			return fail(409, {
				errors: { [r.reason === 'already_graded' ? '_form' : 'feedback']: message },
				values: input.values
			});
		}
		const back = queueFiltersQuery(parseQueueFilters(event.url.searchParams));
		redirect(303, `/facilitate/grading?${back ? `${back}&` : ''}graded=1`);
	}
};
