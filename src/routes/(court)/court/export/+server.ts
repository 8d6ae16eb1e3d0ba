import { error } from '@sveltejs/kit';
import { standingLabels, type Standing } from '$lib/domain/standing';
import { requireRole } from '$lib/server/auth/guards';
import { referralsCsv } from '$lib/server/court/export';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** GET /court/export?status=overdue → the referrals report as CSV (Excel-friendly: BOM, CRLF). */
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const status = event.url.searchParams.get('status') || null;
	if (status && !(status in standingLabels)) error(400, 'Unknown status.');
	const { db } = await getDb();
	const r = await referralsCsv(db, user, status as Standing | null, clientIp(event));
	return new Response(r.csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${r.fileName}"`,
			'cache-control': 'private, no-store'
		}
	});
};
