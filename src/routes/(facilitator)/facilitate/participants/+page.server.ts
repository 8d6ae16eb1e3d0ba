import { redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import {
	PARTICIPANT_FILTERS,
	PARTICIPANT_SORTS,
	participantsOverview,
	type ParticipantFilter,
	type ParticipantSort
} from '$lib/server/facilitation/oversight';
import type { UserIdentity } from '$lib/server/users/users.queries';
import type { Actions, PageServerLoad } from './$types';

const pick = <T extends string>(allowed: readonly T[], value: string | null, fallback: T): T =>
	allowed.includes(value as T) ? (value as T) : fallback;

// "Show" and "sort by" are not personal: a GET form keeps them in the URL, so they can be bookmarked
// and the back button keeps them (anything unknown falls back). A name or case number is POSTed to
// ?/search instead, so it never sits in a URL (browser history, server and proxy logs, Referer).
function listQuery(url: URL) {
	return {
		show: pick<ParticipantFilter>(PARTICIPANT_FILTERS, url.searchParams.get('show'), 'active'),
		sort: pick<ParticipantSort>(PARTICIPANT_SORTS, url.searchParams.get('sort'), 'due')
	};
}

async function overview(user: UserIdentity, url: URL, q = '') {
	const { db } = await getDb();
	const query = { ...listQuery(url), q };
	return { ...(await participantsOverview(db, user, query)), query };
}

export const load: PageServerLoad = async ({ locals, url, request }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	// After a search without JavaScript this same request renders the action's result: no need to
	// build the whole list as well.
	return { query: listQuery(url), listing: request.method === 'GET' ? await overview(user, url) : null };
};

export const actions: Actions = {
	search: async ({ locals, url, request }) => {
		const user = requireRole(locals, 'facilitator', 'admin');
		const raw = (await request.formData()).get('q');
		const q = typeof raw === 'string' ? raw.trim().slice(0, 100) : '';
		if (q) return { search: await overview(user, url, q) };
		// Nothing typed: the plain list, at an address that can be bookmarked.
		const { show, sort } = listQuery(url);
		redirect(303, `/facilitate/participants?show=${show}&sort=${sort}`);
	}
};
