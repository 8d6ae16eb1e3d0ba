import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { config } from '$lib/server/config';
import { getDb } from '$lib/server/db/instance';
import { clientIp, parseForm } from '$lib/server/forms';
import { trustAnchor } from '$lib/server/certificates/trust.service';
import { verifyUpload } from '$lib/server/verification/verification.service';
import type { Actions, PageServerLoad } from './$types';

const typed = v.object({
	serial: v.pipe(
		v.string('Enter the serial.'),
		v.trim(),
		v.nonEmpty('Enter the serial, for example RC-2026-000123.'),
		v.maxLength(64, 'That serial is too long.')
	),
	code: v.pipe(
		v.string('Enter the verification code.'),
		v.trim(),
		v.nonEmpty('Enter the verification code printed on the certificate.'),
		v.maxLength(80, 'That code is too long.')
	)
});

/** The program CA's fingerprint, so a court can check the CA it trusts is ours. */
export const load: PageServerLoad = ({ url }) => {
	const anchor = trustAnchor(url.origin);
	return {
		trust: anchor && { fingerprint: anchor.fingerprintSha256, commonName: anchor.commonName, urls: anchor.urls }
	};
};

export const actions: Actions = {
	typed: async ({ request }) => {
		const input = parseForm(typed, await request.formData(), ['code']);
		if (!input.ok) return fail(400, { errors: input.errors, values: input.values });
		redirect(
			303,
			`/verify/${encodeURIComponent(input.data.serial.toUpperCase())}?code=${encodeURIComponent(input.data.code)}&via=typed`
		);
	},
	upload: async (event) => {
		const length = Number(event.request.headers.get('content-length') ?? 0);
		if (length > config.maxUploadBytes + 10_000)
			return fail(413, {
				uploadError: 'That file is too large. Certificates are under 1 MB; upload the PDF you received.'
			});
		const form = await event.request.formData();
		const file = form.get('pdf');
		if (!(file instanceof File) || file.size === 0)
			return fail(400, { uploadError: 'Choose the certificate PDF to upload.' });
		if (file.size > config.maxUploadBytes)
			return fail(413, {
				uploadError: 'That file is too large. Certificates are under 1 MB; upload the PDF you received.'
			});
		const { db } = await getDb();
		const result = await verifyUpload(db, new Uint8Array(await file.arrayBuffer()), {
			method: 'upload',
			userId: event.locals.user?.id ?? null,
			ip: clientIp(event)
		});
		if (result.outcome === 'rate_limited')
			return fail(429, {
				uploadError: `Too many checks from this connection. Please wait ${Math.ceil(result.retryAfter / 60)} minute(s).`
			});
		if (result.outcome === 'busy')
			return fail(503, { uploadError: 'The server is busy checking other files. Please try again in a minute.' });
		return { result };
	}
};
