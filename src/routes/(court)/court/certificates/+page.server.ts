import { error, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { listCourtCertificates } from '$lib/server/court/court-certificates.service';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { UserIdentity } from '$lib/server/users/users.queries';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

// The court filter is not personal: it stays in the query string (?court=<id>), so links and the back
// button keep it. A name, case number or serial is POSTed to ?/search instead, so it never sits in a
// URL (browser history, server and proxy logs, Referer).
const courtOf = (url: URL) => url.searchParams.get('court')?.slice(0, 64) || undefined;

/** The certificates of the user's courts (the court from the URL), listed and audited by the service. */
async function list(event: RequestEvent, user: UserIdentity, q?: string) {
	const courtId = courtOf(event.url);
	const { db } = await getDb();
	const r = await listCourtCertificates(db, user, { courtId, q }, clientIp(event));
	if (!r.ok) error(404, 'Not found');
	return { courts: r.courts, certificates: r.certificates, matched: r.matched, q: q ?? '' };
}

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event.locals, 'court', 'admin');
	const court = courtOf(event.url) ?? '';
	// After a search without JavaScript this same request renders the page with the action's result:
	// listing here as well would run, and audit, a list nobody sees.
	if (event.request.method !== 'GET') return { court, listing: null };
	return { court, listing: await list(event, user) };
};

export const actions: Actions = {
	search: async (event) => {
		const user = requireRole(event.locals, 'court', 'admin');
		const raw = (await event.request.formData()).get('q');
		const q = typeof raw === 'string' ? raw.trim().slice(0, 80) : '';
		if (q) return { search: await list(event, user, q) };
		// Nothing typed: the plain list, at an address that can be bookmarked.
		const court = courtOf(event.url);
		redirect(303, `/court/certificates${court ? `?court=${encodeURIComponent(court)}` : ''}`);
	}
};
