import { json } from '@sveltejs/kit';
import { config } from '$lib/server/config';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { certificateJson } from '$lib/server/verification/api';
import { verifyUpload } from '$lib/server/verification/verification.service';
import type { RequestHandler } from './$types';

/**
 * Stable interface: POST a PDF (application/pdf). Answers the certificate JSON plus `match`, and
 * `reason` where the file does not match. It changes no state, so any origin may call it.
 */
export const POST: RequestHandler = async (event) => {
	const type = event.request.headers.get('content-type') ?? '';
	if (!type.startsWith('application/pdf'))
		return json(
			{
				match: false,
				status: 'unknown',
				reason: 'Send the certificate as the request body with Content-Type: application/pdf.'
			},
			{ status: 415 }
		);
	const declared = Number(event.request.headers.get('content-length') ?? 0);
	if (declared > config.maxUploadBytes)
		return json({ match: false, status: 'unknown', reason: 'The file is larger than 5 MB.' }, { status: 413 });
	const bytes = new Uint8Array(await event.request.arrayBuffer());
	if (bytes.length > config.maxUploadBytes)
		return json({ match: false, status: 'unknown', reason: 'The file is larger than 5 MB.' }, { status: 413 });
	if (bytes.length === 0)
		return json({ match: false, status: 'unknown', reason: 'The request body is empty.' }, { status: 400 });
	const { db } = await getDb();
	const r = await verifyUpload(db, bytes, {
		method: 'api',
		userId: event.locals.user?.id ?? null,
		ip: clientIp(event)
	});
	if (r.outcome === 'rate_limited')
		return json(
			{ error: 'rate_limited', retryAfter: r.retryAfter },
			{ status: 429, headers: { 'retry-after': String(r.retryAfter) } }
		);
	if (r.outcome === 'busy')
		return json(
			{ match: false, status: 'unknown', reason: 'The server is busy checking other files. Try again in a minute.' },
			{ status: 503, headers: { 'retry-after': String(r.retryAfter) } }
		);
	if (r.certificate) return json({ ...certificateJson(r.certificate), match: true });
	// A court evidence packet the program made (added to the interface; a certificate's answer is unchanged).
	if (r.packet) return json({ kind: 'evidence_packet', status: 'valid', match: true, packet: r.packet });
	// The stable interface knows "altered" and "unknown": a file that could not be read is "unknown", its reason says so.
	return json(
		{ status: r.outcome === 'altered' ? 'altered' : 'unknown', match: false, reason: r.reason },
		{ status: r.outcome === 'altered' ? 200 : 404 }
	);
};
