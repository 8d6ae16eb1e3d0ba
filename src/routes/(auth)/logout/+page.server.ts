import { redirect } from '@sveltejs/kit';
import { auditAlone } from '$lib/server/audit/audit';
import { deleteSessionCookie } from '$lib/server/auth/cookie';
import { invalidateSession } from '$lib/server/auth/session';
import { getDb } from '$lib/server/db/instance';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session) {
			const { db } = await getDb();
			await invalidateSession(db, locals.session.id);
			await auditAlone(db, { actorId: locals.session.userId, action: 'auth.logout' });
		}
		deleteSessionCookie(cookies);
		redirect(303, '/login?signed_out=1');
	}
};
