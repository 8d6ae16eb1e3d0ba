import { json } from '@sveltejs/kit';
import { sql } from 'kysely';
import { getDb } from '$lib/server/db/instance';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	try {
		const { db, kind } = await getDb();
		await sql`select 1`.execute(db);
		return json({ status: 'ok', database: kind }, { headers: { 'cache-control': 'no-store' } });
	} catch {
		return json({ status: 'error', database: 'unreachable' }, { status: 503 });
	}
};
