import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/instance';
import { databaseAnswers } from '$lib/server/db/health.queries';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	try {
		const { db, kind } = await getDb();
		await databaseAnswers(db);
		return json({ status: 'ok', database: kind }, { headers: { 'cache-control': 'no-store' } });
	} catch {
		return json({ status: 'error', database: 'unreachable' }, { status: 503 });
	}
};
