import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { listCourtCertificates } from '$lib/server/court/court-certificates.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

/** The certificates of the user's courts' referrals; GET ?court=<id>&q=<name, case number or serial>. */
export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const court = event.url.searchParams.get('court')?.slice(0, 64) || undefined;
	const q = event.url.searchParams.get('q')?.trim().slice(0, 80) || undefined;
	const { db } = await getDb();
	const r = await listCourtCertificates(db, user, { courtId: court, q }, clientIp(event));
	if (!r.ok) error(404, 'Not found');
	return { courts: r.courts, certificates: r.certificates, matched: r.matched, filter: { court: court ?? '', q: q ?? '' } };
};
