import { error, json } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole, requireSameOrigin } from '$lib/server/auth/guards';
import { throttles, tooManyRequests } from '$lib/server/auth/throttle';
import { getDb } from '$lib/server/db/instance';
import { saveDraft, MAX_REFLECTION_LENGTH } from '$lib/server/reflections/reflection.service';
import type { RequestHandler } from './$types';

const schema = v.object({
	promptId: v.pipe(v.string(), v.maxLength(64)),
	body: v.pipe(v.string(), v.maxLength(MAX_REFLECTION_LENGTH))
});

/** Autosave while typing. A flood is refused before the body is read or the database touched. */
export const POST: RequestHandler = async (event) => {
	requireSameOrigin(event);
	const user = requireRole(event.locals, 'participant');
	const wait = throttles.draft.take(user.id);
	if (wait) return tooManyRequests(wait, 'Too many saves at once. Your text is kept; it is saved again in a moment.');
	const text = await event.request.text();
	if (text.length > MAX_REFLECTION_LENGTH * 2) error(413, 'Too long');
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		error(400, 'Invalid JSON');
	}
	const input = v.safeParse(schema, body);
	if (!input.success) error(400, 'Invalid draft');
	const { db } = await getDb();
	const r = await saveDraft(db, user, event.params.moduleId, input.output.promptId, input.output.body);
	if (!r.ok) error(404, 'Not found');
	return json({ savedAt: r.savedAt });
};
