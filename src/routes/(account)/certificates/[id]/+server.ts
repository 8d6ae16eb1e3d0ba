import { error } from '@sveltejs/kit';
import { requireUser } from '$lib/server/auth/guards';
import { certificateFile } from '$lib/server/certificates/download';
import { getDb } from '$lib/server/db/instance';
import { clientIp } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** The issued PDF, byte for byte, to whoever may see that enrollment. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event.locals);
	const { db } = await getDb();
	const file = await certificateFile(db, user, event.params.id, clientIp(event));
	if (!file) error(404, 'Not found');
	return new Response(new Uint8Array(file.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="certificate-${file.serial}.pdf"`,
			'cache-control': 'private, no-store'
		}
	});
};
