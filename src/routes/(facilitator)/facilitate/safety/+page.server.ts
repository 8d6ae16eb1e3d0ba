import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { SAFETY_LABELS } from '$lib/domain/safety';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { resolveFlag, safetyQueue } from '$lib/server/facilitation/safety.service';
import { clientIp, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const q = await safetyQueue(db, user, clientIp(event));
	if (!q) error(403, 'Your account is not attached to a program.');
	const view = (f: (typeof q.open)[number]) => ({
		id: f.id,
		label: SAFETY_LABELS[f.category],
		note: f.note,
		raisedAt: f.raised_at,
		raisedBy: f.raised_by_name ?? 'the phrase screen',
		resolution: f.resolution,
		resolvedAt: f.resolved_at,
		resolvedBy: f.resolved_by_name,
		submissionId: f.submission_id,
		enrollmentId: f.enrollment_id,
		legalName: f.legal_name,
		caseNumber: f.case_number,
		module: `${f.position}. ${f.title}`
	});
	return {
		open: q.open.map(view),
		resolved: q.resolved.map(view),
		justResolved: event.url.searchParams.has('resolved')
	};
};

const schema = v.object({
	flagId: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,64}$/, 'Choose a flag.')),
	resolution: v.pipe(
		v.string('Say what was done.'),
		v.trim(),
		v.minLength(10, 'Say what was done (at least 10 characters).'),
		v.maxLength(2000, 'At most 2000 characters.')
	)
});

export const actions: Actions = {
	resolve: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { flagId: input.values.flagId, errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await resolveFlag(db, user, input.data.flagId, input.data.resolution, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message =
				r.reason === 'already_resolved'
					? 'Someone already recorded what was done about this flag; see below.'
					: 'Say what was done (at least 10 characters).';
			return fail(409, { flagId: input.data.flagId, errors: { resolution: message }, values: input.values });
		}
		redirect(303, '/facilitate/safety?resolved=1');
	}
};
