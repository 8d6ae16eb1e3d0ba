import { error } from '@sveltejs/kit';
import { throttles, tooManyRequests } from '$lib/server/auth/throttle';
import { requireRole } from '$lib/server/auth/guards';
import { packetDownload } from '$lib/server/court/evidence-packet.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** The same court evidence packet, from the participant's page: for his program's facilitators and admins. */
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event.locals, 'facilitator', 'admin');
	const wait = throttles.document.take(user.id);
	if (wait) return tooManyRequests(wait, 'Too many documents at once. Please wait a moment and try again.');
	const { db } = await getDb();
	const response = await packetDownload(db, user, event.params.id, event.url.origin, clientIp(event));
	if (!response) error(404, 'Not found');
	return response;
};
