import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import { moduleContent } from '$lib/server/curriculum/modules.queries';
import { ownModule } from '$lib/server/learning/participant';
import {
	reflectionsForModule,
	saveDraft,
	submitReflection,
	MAX_REFLECTION_LENGTH
} from '$lib/server/reflections/reflection.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const access = await ownModule(db, user, params.moduleId);
	if (!access.ok)
		error(
			access.reason === 'locked' ? 403 : 404,
			access.reason === 'locked' ? 'This module opens when the module before it is complete.' : 'Module not found.'
		);
	const [module, reflections] = await Promise.all([
		moduleContent(db, params.moduleId),
		reflectionsForModule(db, access.state.enrollment.id, params.moduleId)
	]);
	const m = access.module;
	return {
		module: { id: params.moduleId, ...module },
		total: access.state.modules.length,
		seat: { seconds: m.seatSeconds, required: m.requiredSeconds },
		quiz: {
			passed: m.quizPassed,
			locked: m.quizLocked,
			attemptsUsed: m.attemptsUsed,
			attemptsAllowed: m.attemptsAllowed,
			passMark: m.passMark,
			bestScore: m.bestScore
		},
		nextModuleId: access.state.modules.find((x) => x.position === m.position + 1)?.moduleId ?? null,
		complete: m.complete,
		reflections: reflections.map((r) => ({
			id: r.id,
			prompt: r.prompt,
			minLength: r.minLength,
			draft: r.draft,
			latest: r.latest
				? {
						version: r.latest.version,
						status: r.latest.status,
						body: r.latest.body,
						feedback: r.latest.grade?.feedback ?? null
					}
				: null,
			versions: r.versions.length
		}))
	};
};

const reflectionSchema = v.object({
	promptId: v.pipe(v.string(), v.maxLength(64)),
	body: v.pipe(
		v.string('Write your answer.'),
		v.maxLength(MAX_REFLECTION_LENGTH, `Your answer can be at most ${MAX_REFLECTION_LENGTH} characters.`)
	)
});

export const actions: Actions = {
	saveDraft: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'participant');
		const input = parseForm(reflectionSchema, await request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await saveDraft(db, user, params.moduleId, input.data.promptId, input.data.body);
		if (!r.ok) error(404, 'Not found');
		return { saved: input.data.promptId };
	},
	submitReflection: async (event) => {
		const { locals, params, request } = event;
		const user = requireRole(locals, 'participant');
		const input = parseForm(reflectionSchema, await request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await submitReflection(db, user, params.moduleId, input.data.promptId, input.data.body, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found' || r.reason === 'no_enrollment' || r.reason === 'locked') error(404, 'Not found');
			// Keep what he wrote: it becomes the draft, so nothing is lost.
			await saveDraft(db, user, params.moduleId, input.data.promptId, input.data.body);
			const message = {
				too_short: `Please write at least ${r.minLength} characters (you have ${input.data.body.trim().length}).`,
				awaiting_grade: 'Your earlier answer is still waiting to be graded.',
				already_satisfactory: 'This reflection has already been graded satisfactory.'
			}[r.reason];
			return fail(400, { errors: { [`body-${input.data.promptId}`]: message }, values: input.values });
		}
		redirect(303, `/learn/modules/${params.moduleId}?submitted=${input.data.promptId}#reflections`);
	}
};
