import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guards';
import {
	certificateForAdmin,
	REASON_MAX,
	reissueCertificate,
	revokeCertificate
} from '$lib/server/certificates/registry.service';
import { correctionsOf } from '$lib/server/certificates/reissue-claims';
import { checksForAdmin } from '$lib/server/verification/checks.service';
import { certificateHistory } from '$lib/server/verification/history';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { locals, params } = event;
	const admin = requireRole(locals, 'admin');
	const { db } = await getDb();
	const c = await certificateForAdmin(db, admin, params.id);
	if (!c) error(404, 'Not found');
	const [checks, history] = await Promise.all([
		checksForAdmin(db, admin, c.id, clientIp(event)),
		certificateHistory(db, c)
	]);
	return {
		checks: checks ?? [],
		current: history.current,
		certificate: {
			id: c.id,
			serial: c.serial,
			status: c.status,
			issuedAt: c.issued_at,
			revokedAt: c.revoked_at,
			revokeReason: c.revoke_reason,
			supersededBy: c.superseded_by,
			sha256: c.sha256
		},
		facts: c.facts,
		corrections: (await correctionsOf(db, c)).map((k) => ({
			serial: k.serial,
			producedThis: k.producedThis,
			by: k.by,
			startedAt: k.started_at,
			outcome: k.outcome,
			abandonedBecause: k.abandoned_because,
			reason: k.reason,
			changes: k.changes.map((x) => ({ label: FIELD_LABELS[x.field], old: x.old, new: x.new }))
		}))
	};
};

const FIELD_LABELS = {
	legal_name: 'Legal name',
	date_of_birth: 'Date of birth',
	case_number: 'Case number',
	offence: 'Offence',
	offence_date: 'Offence date'
} as const;

// Shown to verifiers: one line, NFC, no control characters (f.line), as the service requires.
const reason = v.pipe(f.line('Reason', REASON_MAX), v.minLength(5, 'Give a reason (at least 5 characters).'));
const REASON_INVALID = `The reason must be one line of at most ${REASON_MAX} characters, without control characters.`;
const revokeSchema = v.object({ reason });
const reissueSchema = v.object({
	legalName: f.line('Legal name', 120),
	dateOfBirth: f.date('Date of birth'),
	caseNumber: f.caseNumber(),
	offence: f.optionalLine('Offence', 200),
	offenceDate: f.optionalDate('Offence date'),
	reason
});

export const actions: Actions = {
	revoke: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(revokeSchema, await event.request.formData());
		if (!input.ok) return fail(400, { revokeErrors: input.errors });
		const { db } = await getDb();
		const r = await revokeCertificate(db, admin, event.params.id, input.data.reason, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			if (r.reason === 'superseded')
				return fail(409, {
					revokeErrors: {
						reason: `A corrected certificate, ${r.by.serial}, replaced this one while you were on this page. Nothing was revoked: to withdraw the completion, revoke ${r.by.serial}.`
					},
					replacedBy: r.by
				});
			return fail(409, {
				revokeErrors: {
					reason:
						r.reason === 'not_valid'
							? 'Only a valid certificate can be revoked.'
							: r.reason === 'reason_invalid'
								? REASON_INVALID
								: 'Give a reason.'
				}
			});
		}
		redirect(303, `/admin/certificates/${event.params.id}?revoked=1`);
	},
	reissue: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(reissueSchema, await event.request.formData());
		if (!input.ok) return fail(400, { reissueErrors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await reissueCertificate(db, admin, event.params.id, input.data, event.url.origin, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			const message: Record<string, Record<string, string>> = {
				not_valid: { _form: 'Only a valid certificate can be corrected and reissued.' },
				purged: {
					_form:
						"This participant's personal data was removed when the retention period ended; the certificate can no longer be reissued."
				},
				reason_required: { reason: 'Give a reason.' },
				reason_invalid: { reason: REASON_INVALID },
				no_keys: { _form: 'Certificates cannot be issued: the signing keys are not set up on the server.' },
				duplicate_case: { caseNumber: 'Another referral of this court already has this case number.' },
				correction_under_way: {
					_form:
						'A correction of this certificate is already under way. Nothing was changed: reload this page in a minute to see its result.'
				},
				revoked_meanwhile: {
					_form:
						'The certificate was revoked while the corrected one was being made, so nothing was issued and the referral is unchanged.'
				},
				correction_expired: {
					_form: 'This correction took too long and was cancelled; nothing was changed. Submit it again.'
				}
			};
			return fail(409, { reissueErrors: message[r.reason], values: input.values });
		}
		redirect(303, `/admin/certificates/${r.certificateId}?reissued=1`);
	}
};
