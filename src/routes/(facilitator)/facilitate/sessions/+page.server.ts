import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import { newId } from '$lib/server/ids';
import { planMessages, scheduleSchema } from '$lib/server/sessions/session-forms';
import { scheduleSession, staffSessions } from '$lib/server/sessions/sessions.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const sessions = await staffSessions(db, user);
	if (!sessions) error(403, 'Your account is not attached to a program.');
	// A fresh token per form shown: a second submit of the same form finds the first one's session.
	return { ...sessions, formToken: newId() };
};

export const actions: Actions = {
	schedule: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(scheduleSchema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await scheduleSession(db, user, input.data, clientIp(event));
		if (!r.ok) {
			const field =
				r.reason === 'not_found'
					? 'programId'
					: r.field === 'startsAt'
						? 'startsLocal'
						: r.field === 'endsAt'
							? 'endsLocal'
							: r.field;
			const errors = { [field]: r.reason === 'not_found' ? 'Choose one of your programs.' : planMessages[r.problem] };
			return fail(400, { errors, values: input.values });
		}
		redirect(303, `/facilitate/sessions/${r.id}?scheduled=1`);
	}
};
