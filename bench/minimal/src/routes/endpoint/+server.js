import { json } from '@sveltejs/kit';

/** A bare endpoint: no database, a small JSON answer (POST, like the heartbeat). */
export function POST() {
	return json({ ok: true });
}
