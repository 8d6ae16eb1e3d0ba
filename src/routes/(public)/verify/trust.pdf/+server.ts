import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/instance';
import { trustSheetPdf } from '$lib/server/certificates/trust.service';
import type { RequestHandler } from './$types';

/** The one-page "how to trust our certificates" sheet for court staff. Public: it holds no personal data. */
export const GET: RequestHandler = async ({ url }) => {
	const { db } = await getDb();
	const pdf = await trustSheetPdf(db, url.origin);
	if (!pdf) error(404, 'The program CA is not published yet.');
	return new Response(new Uint8Array(pdf), {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': 'inline; filename="how-to-trust-our-certificates.pdf"',
			'Cache-Control': 'public, max-age=3600'
		}
	});
};
