import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { ATTESTATION_TEXT } from '$lib/domain/certificate-facts';
import { readyForAttestation } from '$lib/domain/completion';
import { requireRole } from '$lib/server/auth/guards';
import { attest } from '$lib/server/completion/completion.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import { participantDashboard } from '$lib/server/learning/dashboard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const d = await participantDashboard(db, user);
	if (!d) error(404, 'No active enrollment was found for your account.');
	return {
		legalName: d.state.enrollment.legal_name,
		// The sentence he signs; the certificate carries it word for word.
		attestationText: ATTESTATION_TEXT,
		attestedAt: d.state.enrollment.attested_at,
		ready: readyForAttestation(d.state.requirements),
		requirements: d.state.requirements,
		certificate: d.certificate
	};
};

const schema = v.object({ typedName: f.line('Your full legal name'), confirm: f.checkbox() });

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event.locals, 'participant');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await attest(
			db,
			user,
			{ typedName: input.data.typedName, confirmed: input.data.confirm },
			clientIp(event)
		);
		if (!r.ok) {
			const errors: Record<string, string> = {
				no_enrollment: { _form: 'No active enrollment was found.' },
				not_ready: { _form: 'Not every requirement is met yet. See the list below.' },
				name_mismatch: { typedName: 'Type your full legal name exactly as it appears on your referral.' },
				not_confirmed: { confirm: 'You must tick the box to sign the attestation.' },
				already_attested: { _form: 'You have already signed the attestation.' }
			}[r.reason] as Record<string, string>;
			return fail(400, { errors, values: input.values });
		}
		redirect(303, '/learn/complete?signed=1');
	}
};
