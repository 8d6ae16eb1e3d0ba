import { error, json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { logRecordExport, ownRecord } from '$lib/server/privacy/subject-access';
import type { RequestHandler } from './$types';

/** His whole record as a JSON file (Minn. Stat. § 13.04 subd. 3); each download is audited. */
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event.locals, 'participant');
	const { db } = await getDb();
	const record = await ownRecord(db, user);
	if (!record) error(404, 'Not found');
	await logRecordExport(db, user, clientIp(event));
	return json(
		{ exportedAt: new Date().toISOString(), ...record },
		{
			headers: {
				'content-disposition': 'attachment; filename="my-john-school-record.json"',
				'cache-control': 'private, no-store'
			}
		}
	);
};
