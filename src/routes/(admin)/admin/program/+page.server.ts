import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { SESSION_KINDS } from '$lib/domain/live-sessions';
import {
	sessionRequirementSettings,
	setCertificateDetails,
	setSessionRequirements,
	setStaffTwoFactor
} from '$lib/server/admin/program-settings.service';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp, f, parseForm } from '$lib/server/forms';
import { retentionSummary } from '$lib/server/privacy/retention';
import { oneOrMany } from '$lib/server/sessions/session-forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const admin = requireRole(locals, 'admin');
	const { db } = await getDb();
	const programs = await sessionRequirementSettings(db, admin);
	if (!programs.length) error(403, 'Your account is not attached to a program.');
	const wanted = url.searchParams.get('program');
	const program = wanted ? programs.find((p) => p.id === wanted) : programs[0];
	if (!program) error(404, 'Not found');
	const retention = await retentionSummary(db, program.id);
	return {
		program,
		programs: programs.map((p) => ({ id: p.id, name: p.name })),
		saved: url.searchParams.has('saved'),
		retention
	};
};

const schema = v.object({
	programId: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,64}$/, 'Choose a program.')),
	requiredSessionKinds: v.optional(
		oneOrMany(v.picklist(SESSION_KINDS, 'Choose kinds from the list.'), SESSION_KINDS.length),
		[]
	),
	lateCountsAsPresent: f.checkbox()
});

const securitySchema = v.object({
	programId: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,64}$/, 'Choose a program.')),
	staffTwoFactorRequired: f.checkbox()
});

const certificateSchema = v.object({
	programId: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,64}$/, 'Choose a program.')),
	courseName: f.optionalLine('Course name', 200),
	courseNumber: f.optionalLine('Course number', 60),
	providerId: f.optionalLine('Provider registration number', 60),
	providerPhone: v.pipe(
		f.optionalLine('Provider telephone', 30),
		v.regex(/^[0-9 ()+.\-x]*$/, 'Enter a telephone number with digits only (an extension as x123).')
	)
});

export const actions: Actions = {
	sessions: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(schema, await event.request.formData());
		if (!input.ok) return fail(400, { errors: input.errors });
		const { db } = await getDb();
		const r = await setSessionRequirements(db, admin, input.data.programId, input.data, clientIp(event));
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(400, { errors: { requiredSessionKinds: 'Choose kinds from the list.' } });
		}
		redirect(303, `/admin/program?program=${input.data.programId}&saved=1`);
	},
	certificate: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(certificateSchema, await event.request.formData());
		if (!input.ok) return fail(400, { certificateErrors: input.errors, values: input.values });
		const { db } = await getDb();
		const r = await setCertificateDetails(db, admin, input.data.programId, input.data, clientIp(event));
		if (!r.ok) error(404, 'Not found');
		redirect(303, `/admin/program?program=${input.data.programId}&saved=1`);
	},
	security: async (event) => {
		const admin = requireRole(event.locals, 'admin');
		const input = parseForm(securitySchema, await event.request.formData());
		if (!input.ok) return fail(400, { securityError: 'Choose a program.' });
		const { db } = await getDb();
		const r = await setStaffTwoFactor(
			db,
			admin,
			input.data.programId,
			input.data.staffTwoFactorRequired,
			clientIp(event)
		);
		if (!r.ok) {
			if (r.reason === 'not_found') error(404, 'Not found');
			return fail(409, {
				securityError:
					'Turn on two-factor sign-in for your own account first (Account → Sign-in security), then require it of all staff.'
			});
		}
		redirect(303, `/admin/program?program=${input.data.programId}&saved=1`);
	}
};
