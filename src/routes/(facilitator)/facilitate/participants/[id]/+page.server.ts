import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { readyForSignoff } from '$lib/domain/completion';
import { requireRole } from '$lib/server/auth/guards';
import { signOff } from '$lib/server/completion/completion.service';
import { getDb } from '$lib/server/db/instance';
import { participantRecord, recordFee, unlockQuiz } from '$lib/server/facilitation/facilitation.service';
import { clientIp, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'facilitator', 'admin');
	const { db } = await getDb();
	const r = await participantRecord(db, user, event.params.id, clientIp(event));
	if (!r) error(404, 'Not found');
	const e = r.enrollment;
	return {
		participant: { legalName: e.legal_name, caseNumber: e.case_number, dueDate: e.due_date, feeStatus: e.fee_status, attestedAt: e.attested_at, attestationName: e.attestation_name, status: e.status },
		requirements: r.state.requirements,
		ready: readyForSignoff(r.state.requirements),
		modules: r.state.modules.map((m) => ({ id: m.moduleId, position: m.position, title: m.title, seatSeconds: m.seatSeconds, requiredSeconds: m.requiredSeconds, quizPassed: m.quizPassed, bestScore: m.bestScore, attemptsUsed: m.attemptsUsed, attemptsAllowed: m.attemptsAllowed, quizLocked: m.quizLocked, reflections: m.reflections })),
		submissions: r.submissions,
		certificate: r.certificate
	};
};

const unlockSchema = v.object({
	moduleId: v.pipe(v.string(), v.maxLength(64)),
	reason: v.pipe(v.string('Give a reason.'), v.trim(), v.minLength(5, 'Give a reason (at least 5 characters).'), v.maxLength(500, 'At most 500 characters.'))
});

const feeSchema = v.object({ fee: v.picklist(['unpaid', 'paid', 'waived'], 'Choose paid, waived or unpaid.') });

export const actions: Actions = {
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
			return fail(409, { unlockErrors: { reason: r.reason === 'not_locked' ? 'This quiz is not locked.' : 'Give a reason.' }, unlockModule: input.data.moduleId });
		}
		return { unlocked: input.data.moduleId };
	},
	signoff: async (event) => {
		const user = requireRole(event.locals, 'facilitator', 'admin');
		const { db } = await getDb();
		const r = await signOff(db, user, event.params.id, event.url.origin, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message = {
				already_signed: 'This participant has already been signed off.',
				no_keys: 'Certificates cannot be issued: the signing keys are not set up on the server. An operator must run `npm run cli -- keys:generate` and restart.',
				not_ready: `Sign-off refused: ${r.reason === 'not_ready' ? r.unmet.map((u) => u.label.toLowerCase()).join('; ') : ''} not met.`
			}[r.reason];
			return fail(409, { signoffError: message });
		}
		redirect(303, `/facilitate/participants/${event.params.id}?signed=${encodeURIComponent(r.serial)}`);
	}
};
