import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { readyForSignoff } from '$lib/domain/completion';
import { requireRole } from '$lib/server/auth/guards';
import { issueResetCode, RESET_HOURS } from '$lib/server/auth/password-reset';
import { signOff } from '$lib/server/completion/completion.service';
import { getDb } from '$lib/server/db/instance';
import { addCaseNote, extendDueDate, NOTE_MAX, ORDER_REFERENCE_MAX } from '$lib/server/facilitation/case-file.service';
import { participantRecord, recordFee, unlockQuiz } from '$lib/server/facilitation/facilitation.service';
import { clientIp, f, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const r = await participantRecord(db, user, event.params.id, clientIp(event));
	if (!r) error(404, 'Not found');
	const e = r.enrollment;
	return {
		participant: {
			legalName: e.legal_name,
			caseNumber: e.case_number,
			dueDate: e.due_date,
			feeStatus: e.fee_status,
			attestedAt: e.attested_at,
			attestationName: e.attestation_name,
			activatedAt: e.activated_at,
			status: e.status
		},
		row: r.row,
		timeZone: r.state.settings.timeZone,
		requirements: r.state.requirements,
		ready: readyForSignoff(r.state.requirements),
		modules: r.state.modules.map((m) => ({
			id: m.moduleId,
			position: m.position,
			title: m.title,
			seatSeconds: m.seatSeconds,
			requiredSeconds: m.requiredSeconds,
			quizPassed: m.quizPassed,
			bestScore: m.bestScore,
			attemptsUsed: m.attemptsUsed,
			attemptsAllowed: m.attemptsAllowed,
			quizLocked: m.quizLocked,
			reflections: m.reflections
		})),
		waiting: r.submissions.filter((s) => s.status === 'submitted').length,
		certificate: r.certificate,
		timeline: r.timeline,
		notes: r.notes,
		extensions: r.extensions
	};
};

const unlockSchema = v.object({
	moduleId: v.pipe(v.string(), v.maxLength(64)),
	reason: v.pipe(
		v.string('Give a reason.'),
		v.trim(),
		v.minLength(5, 'Give a reason (at least 5 characters).'),
		v.maxLength(500, 'At most 500 characters.')
	)
});

const feeSchema = v.object({ fee: v.picklist(['unpaid', 'paid', 'waived'], 'Choose paid, waived or unpaid.') });
const noteSchema = v.object({ body: f.text('The note', NOTE_MAX) });
const extendSchema = v.object({
	fromDueDate: f.date('The current due date'),
	newDueDate: f.date('The new due date'),
	orderReference: f.text('The court order reference', ORDER_REFERENCE_MAX)
});

const extendMessages = {
	not_open: { _form: 'The due date of a completed or withdrawn participant cannot change.' },
	invalid_date: { newDueDate: 'The new due date is not a real date.' },
	not_later: { newDueDate: 'The new due date must be after the current due date.' },
	reference_required: { orderReference: 'The court order reference is required.' },
	too_long: { orderReference: `At most ${ORDER_REFERENCE_MAX} characters.` },
	changed: { _form: 'Someone changed the due date meanwhile. Check the new date before recording another extension.' }
} as const;

export const actions: Actions = {
	resetCode: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const { db } = await getDb();
		const r = await issueResetCode(db, user, event.params.id, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, { resetError: 'He has not activated his account yet: give him his enrollment code instead.' });
		}
		// Shown once, here; only its hash is kept.
		return { resetCode: r.code, resetExpiresAt: r.expiresAt, resetHours: RESET_HOURS };
	},
	fee: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(feeSchema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors });
		const { db } = await getDb();
		const r = await recordFee(db, user, event.params.id, input.data.fee, clientIp(event));
		if (!r.ok) error(404, 'Not found');
		return { feeSaved: true };
	},
	unlock: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(unlockSchema, await event.request.formData());
		if (!input.ok) return fail(400, { unlockErrors: input.errors, unlockModule: input.values.moduleId });
		const { db } = await getDb();
		const r = await unlockQuiz(db, user, event.params.id, input.data.moduleId, input.data.reason, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, {
				unlockErrors: { reason: r.reason === 'not_locked' ? 'This quiz is not locked.' : 'Give a reason.' },
				unlockModule: input.data.moduleId
			});
		}
		return { unlocked: input.data.moduleId };
	},
	note: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(noteSchema, await event.request.formData());
		if (!input.ok)
			return fail(400, { noteError: input.errors.body ?? 'Write the note.', noteTyped: input.values.body ?? '' });
		const { db } = await getDb();
		const r = await addCaseNote(db, user, event.params.id, input.data.body, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(400, {
				noteError: r.reason === 'empty' ? 'Write the note.' : `At most ${NOTE_MAX} characters.`,
				noteTyped: input.values.body ?? ''
			});
		}
		// Post/redirect/get: a reload does not add the note twice.
		redirect(303, `/facilitate/participants/${event.params.id}?saved=note#notes-title`);
	},
	extend: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const input = parseForm(extendSchema, await event.request.formData());
		if (!input.ok)
			return fail(400, { extendErrors: input.errors as Record<string, string>, extendValues: input.values });
		const { db } = await getDb();
		const r = await extendDueDate(db, user, event.params.id, input.data, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, {
				extendErrors: extendMessages[r.reason] as Record<string, string>,
				extendValues: input.values
			});
		}
		redirect(303, `/facilitate/participants/${event.params.id}?saved=extension#due-title`);
	},
	signoff: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const { db } = await getDb();
		const r = await signOff(db, user, event.params.id, event.url.origin, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message = {
				already_signed: 'This participant has already been signed off.',
				no_keys:
					'Certificates cannot be issued: the signing keys are not set up on the server. An operator must run `npm run cli -- keys:generate` and restart.',
				not_ready: `Sign-off refused: ${r.reason === 'not_ready' ? r.unmet.map((u) => u.label.toLowerCase()).join('; ') : ''} not met.`
			}[r.reason];
			return fail(409, { signoffError: message });
		}
		redirect(303, `/facilitate/participants/${event.params.id}?signed=${encodeURIComponent(r.serial)}`);
	}
};
