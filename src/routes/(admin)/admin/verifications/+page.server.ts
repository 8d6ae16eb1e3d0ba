import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import { verificationLogForAdmin } from '$lib/server/verification/checks.service';
import { verifyVerificationChain } from '$lib/server/verification/verification-log';
import type { PageServerLoad } from './$types';

// A serial is not personal data (it is printed for anyone to check), so the filter is a GET and
// the page can be bookmarked or linked from a certificate's page.
export const load: PageServerLoad = async (event) => {
	const admin = requireRole(event.locals, 'admin');
	const serial = event.url.searchParams.get('serial')?.slice(0, 64) ?? '';
	const page = Number(event.url.searchParams.get('page') ?? '1');
	const { db } = await getDb();
	const r = await verificationLogForAdmin(
		db,
		admin,
		{ serial, page: Number.isFinite(page) ? page : 1 },
		clientIp(event)
	);
	if (!r.ok) error(404, 'Not found');
	const chain = await verifyVerificationChain(db);
	return { ...r, chain: { ok: chain.ok, entries: chain.entries, first: chain.problems[0] ?? null } };
};
