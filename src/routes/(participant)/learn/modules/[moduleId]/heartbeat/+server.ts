import { error, json } from '@sveltejs/kit';
import { requireRole, requireSameOrigin } from '$lib/server/auth/guards';
import { throttles, tooManyRequests } from '$lib/server/auth/throttle';
import { getDb } from '$lib/server/db/instance';
import { heartbeat } from '$lib/server/learning/seat-time.service';
import type { RequestHandler } from './$types';

// The body is ignored on purpose: the server's clock decides how much time is credited.
export const POST: RequestHandler = async (event) => {
	requireSameOrigin(event);
	const user = requireRole(event.locals, 'participant');
	// A refused beat writes nothing, so the enrollment's last beat stays where it was and the next
	// accepted one is credited the whole time since (within MAX_GAP_SECONDS: see throttle.ts).
	const wait = throttles.heartbeat.take(user.id);
	if (wait) return tooManyRequests(wait, 'Too many heartbeats at once. Time keeps counting with the next one.');
	const { db } = await getDb();
	const r = await heartbeat(db, user, event.params.moduleId);
	if (!r.ok) error(404, 'Not found');
	return json({ seatSeconds: r.seatSeconds, requiredSeconds: r.requiredSeconds });
};
