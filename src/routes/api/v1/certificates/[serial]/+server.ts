import { error, json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { certificateJson } from '$lib/server/verification/api';
import { verifyByCode } from '$lib/server/verification/verification.service';
import type { RequestHandler } from './$types';

/** Stable interface: GET /api/v1/certificates/<serial>?code=<code>. Unknown serial or wrong code: 404. */
export const GET: RequestHandler = async (event) => {
	const code = event.url.searchParams.get('code');
	if (!code) error(404, 'Not found');
	const { db } = await getDb();
	const r = await verifyByCode(db, event.params.serial.slice(0, 64), code.slice(0, 80), {
		method: 'api',
		userId: event.locals.user?.id ?? null,
		ip: clientIp(event)
	});
	if (r.outcome === 'rate_limited')
		return json(
			{ error: 'rate_limited', retryAfter: r.retryAfter },
			{ status: 429, headers: { 'retry-after': String(r.retryAfter) } }
		);
	if (!r.certificate) error(404, 'Not found');
	return json(certificateJson(r.certificate), { headers: { 'cache-control': 'no-store' } });
};
