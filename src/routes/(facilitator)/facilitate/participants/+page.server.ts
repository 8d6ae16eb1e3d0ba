import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { PARTICIPANT_FILTERS, PARTICIPANT_SORTS, participantsOverview, type ParticipantFilter, type ParticipantSort } from '$lib/server/facilitation/oversight';
import type { PageServerLoad } from './$types';

const pick = <T extends string>(allowed: readonly T[], value: string | null, fallback: T): T => (allowed.includes(value as T) ? (value as T) : fallback);

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'facilitator', 'admin');
	const { db } = await getDb();
	// A GET form: filters work without JavaScript and can be bookmarked; anything unknown falls back.
	const show = pick<ParticipantFilter>(PARTICIPANT_FILTERS, url.searchParams.get('show'), 'active');
	const sort = pick<ParticipantSort>(PARTICIPANT_SORTS, url.searchParams.get('sort'), 'due');
	const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
	const overview = await participantsOverview(db, user, { show, sort, q });
	return { ...overview, query: { show, sort, q } };
};
