import { requireRole } from '$lib/server/auth/guards';
import { listCertificates } from '$lib/server/certificates/registry.service';
import { getDb } from '$lib/server/db/instance';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const admin = requireRole(locals, 'admin');
	const { db } = await getDb();
	return { certificates: await listCertificates(db, admin) };
};
