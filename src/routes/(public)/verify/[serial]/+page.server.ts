import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { verifyByCode } from '$lib/server/verification/verification.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const code = event.url.searchParams.get('code') ?? '';
	const { db } = await getDb();
	const method = event.url.searchParams.get('via') === 'typed' ? 'typed' : 'link';
	const r = code
		? await verifyByCode(db, event.params.serial.slice(0, 64), code.slice(0, 80), {
				method,
				userId: event.locals.user?.id ?? null,
				ip: clientIp(event)
			})
		: { outcome: 'unknown' as const, certificate: null };
	if (r.outcome === 'rate_limited')
		return {
			serial: event.params.serial,
			outcome: 'unknown',
			certificate: null,
			reason: `Too many checks from this connection. Please wait ${Math.ceil(r.retryAfter / 60)} minute(s) and try again.`
		};
	return {
		serial: event.params.serial,
		outcome: r.outcome,
		certificate: r.certificate,
		reason: code
			? undefined
			: 'This link has no verification code. Type the code printed on the certificate at /verify.'
	};
};
