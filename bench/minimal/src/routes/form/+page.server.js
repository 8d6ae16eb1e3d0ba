import { fail } from '@sveltejs/kit';
import { db } from '$lib/db';

export function load() {
	return {};
}

/** A form action that inserts one row: the floor for a write such as a draft save or a quiz submit. */
export const actions = {
	default: async ({ request }) => {
		const name = String((await request.formData()).get('name') ?? '');
		if (!name) return fail(400, { missing: true });
		await db.insertInto('items').values({ name, created_at: new Date().toISOString() }).execute();
		return { saved: true };
	}
};
