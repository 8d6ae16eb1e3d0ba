import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import { sessionIdSchema } from '$lib/server/sessions/session-forms';
import { cancelRegistration, participantSessions, register } from '$lib/server/sessions/sessions.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const view = await participantSessions(db, user);
	if (!view) error(404, 'No active enrollment was found for your account. Contact the program.');
	return view;
};

const messages = {
	full: 'This session is full. Choose another session.',
	cancelled: 'This session was cancelled by the program.',
	ended: 'This session has ended.',
	not_active: 'Your enrollment is not active, so you cannot register. Contact the program.',
	started: 'The session has started, so you can no longer cancel. If you cannot attend, tell the facilitator.'
} as const;

export const actions: Actions = {
	register: async (event) => {
		const user = requireRole(event.locals, 'participant');
		const input = parseForm(sessionIdSchema, await event.request.formData());
		if (!input.ok) return fail(400, { sessionId: '', message: input.errors.sessionId });
		const { db } = await getDb();
		const r = await register(db, user, input.data.sessionId, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, { sessionId: input.data.sessionId, message: messages[r.reason] });
		}
		redirect(303, `/learn/sessions?registered=${input.data.sessionId}`);
	},
	cancel: async (event) => {
		const user = requireRole(event.locals, 'participant');
		const input = parseForm(sessionIdSchema, await event.request.formData());
		if (!input.ok) return fail(400, { sessionId: '', message: input.errors.sessionId });
		const { db } = await getDb();
		const r = await cancelRegistration(db, user, input.data.sessionId, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, { sessionId: input.data.sessionId, message: messages[r.reason] });
		}
		redirect(303, `/learn/sessions?cancelled=${input.data.sessionId}`);
	}
};
