import { db } from '$lib/db';

/** A read page: one SELECT in its load. */
export async function load() {
	const item = await db.selectFrom('items').select(['id', 'name']).where('id', '=', 1).executeTakeFirst();
	return { item };
}
