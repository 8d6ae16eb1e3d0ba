import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import { getDb } from '$lib/server/db/instance';
import { participantRecord } from '$lib/server/privacy/subject-access';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals, 'participant');
	const { db } = await getDb();
	const record = await participantRecord(db, user);
	if (!record) error(404, 'No enrollment was found for your account. Contact the program.');
	return { record };
};
