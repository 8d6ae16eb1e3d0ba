import { error } from '@sveltejs/kit';
import { throttles, tooManyRequests } from '$lib/server/auth/throttle';
import { requireRole, requireSameOrigin } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { instructionLetter } from '$lib/server/enrollment/letter.service';
import { clientIp } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** The instruction letter as a PDF; the code comes from the page that shows it (never in a URL). */
export const POST: RequestHandler = async (event) => {
	requireSameOrigin(event);
	const user = requireRole(event.locals, 'court', 'admin');
	const wait = throttles.document.take(user.id);
	if (wait) return tooManyRequests(wait, 'Too many documents at once. Please wait a moment and try again.');
	const form = await event.request.formData();
	const code = form.get('code');
	if (typeof code !== 'string' || code.length > 40) error(400, 'The enrollment code is missing.');
	const { db } = await getDb();
	const r = await instructionLetter(db, user, event.params.id, code, event.url.origin, clientIp(event));
	if (!r.ok) {
		if (r.reason === 'not_found') error(404, 'Not found');
		const message = {
			wrong_code: 'That enrollment code does not belong to this referral (a newer code may have replaced it).',
			already_activated: 'The participant has already activated his account; no letter is needed.',
			expired: 'This enrollment code has expired. Issue a new code from the referral page.'
		}[r.reason];
		error(409, message);
	}
	return new Response(new Uint8Array(r.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${r.fileName}"`,
			'cache-control': 'no-store'
		}
	});
};
