import { error } from '@sveltejs/kit';
import { throttles, tooManyRequests } from '$lib/server/auth/throttle';
import { requireRole } from '$lib/server/auth/guards';
import { packetDownload } from '$lib/server/court/evidence-packet.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** The court evidence packet (PDF) of one referral: for its court's staff and its program's admins; 404 for anyone else. */
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const wait = throttles.document.take(user.id);
	if (wait) return tooManyRequests(wait, 'Too many documents at once. Please wait a moment and try again.');
	const { db } = await getDb();
	const response = await packetDownload(db, user, event.params.id, event.url.origin, clientIp(event));
	if (!response) error(404, 'Not found');
	return response;
};
