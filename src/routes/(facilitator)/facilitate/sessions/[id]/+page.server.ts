import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import type { Attendance, ParticipationGrade } from '$lib/domain/live-sessions';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import {
	attendanceSchema,
	editRefusalMessage,
	editSchema,
	markMessages,
	planFormField,
	planMessages,
	rosterRowsSchema,
	walkInMessages,
	walkInSchema
} from '$lib/server/sessions/session-forms';
import {
	addWalkIn,
	cancelSession,
	editSession,
	markAttendance,
	sessionForStaff
} from '$lib/server/sessions/sessions.service';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const detail = await sessionForStaff(db, user, event.params.id, clientIp(event));
	if (!detail) error(404, 'Not found');
	return detail;
};

const refusals = {
	cancelled: 'This session was cancelled; attendance cannot be recorded.',
	not_started: 'Attendance opens when the session starts.',
	not_on_roster:
		'The roster changed while you were marking (someone registered or cancelled). Check the list and save again.'
} as const;

const cancelSchema = v.object({ confirm: f.checkbox() });

export const actions: Actions = {
	attendance: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const form = await event.request.formData();
		const rows = parseForm(rosterRowsSchema, form);
		if (!rows.ok) return fail(400, { message: 'The roster form was incomplete. Reload the page and try again.' });
		const ids = [...new Set(rows.data.row)];
		const input = parseForm(attendanceSchema(ids), form);
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const data = input.data as Record<string, string | undefined>;
		const marks = ids.map((id) => ({
			enrollmentId: id,
			attendance: (data[`attendance-${id}`] ?? null) as Attendance | null,
			grade: (data[`grade-${id}`] ?? null) as ParticipationGrade | null,
			note: data[`note-${id}`] ?? ''
		}));
		const { db } = await getDb();
		const r = await markAttendance(db, user, event.params.id, marks, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			if (r.reason === 'invalid') {
				const m = markMessages[r.problem];
				return fail(400, { errors: { [`${m.field}-${r.enrollmentId}`]: m.message }, values: input.values });
			}
			return fail(409, { message: refusals[r.reason], values: input.values });
		}
		redirect(303, `/facilitate/sessions/${event.params.id}?saved=${r.changed}`);
	},
	cancel: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(cancelSchema, await event.request.formData());
		if (!input.ok || !input.data.confirm)
			return fail(400, { cancelError: 'Tick the box to confirm that the session is cancelled.' });
		const { db } = await getDb();
		const r = await cancelSession(db, user, event.params.id, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, {
				cancelError:
					r.reason === 'ended'
						? 'This session has ended; it cannot be cancelled.'
						: 'Attendance has been recorded for this session; it cannot be cancelled.'
			});
		}
		redirect(303, `/facilitate/sessions/${event.params.id}?cancelled=1`);
	},
	edit: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(editSchema, await event.request.formData());
		if (!input.ok) return fail(400, { editErrors: input.errors, editInput: input.values });
		const { db } = await getDb();
		const r = await editSession(db, user, event.params.id, input.data, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			if (r.reason === 'invalid')
				return fail(400, {
					editErrors: { [planFormField(r.field)]: planMessages[r.problem] },
					editInput: input.values
				});
			const m = editRefusalMessage(r);
			return fail(409, { editErrors: { [m.field]: m.message }, editInput: input.values });
		}
		redirect(
			303,
			`/facilitate/sessions/${event.params.id}?edited=${r.changed.length ? (r.registrantsTold ? 'told' : 'saved') : 'none'}`
		);
	},
	walkIn: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(walkInSchema, await event.request.formData());
		if (!input.ok) return fail(400, { walkInError: input.errors.enrollmentId ?? 'Choose who came.' });
		const { db } = await getDb();
		const r = await addWalkIn(db, user, event.params.id, input.data.enrollmentId, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, { walkInError: walkInMessages[r.reason] });
		}
		redirect(303, `/facilitate/sessions/${event.params.id}?walkin=1`);
	}
};
