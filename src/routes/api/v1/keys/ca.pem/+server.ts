import { error } from '@sveltejs/kit';
import { trustAnchor } from '$lib/server/certificates/trust.service';
import type { RequestHandler } from './$types';

/** The program CA's certificate, PEM (certutil, openssl, pdfsig's NSS database). */
export const GET: RequestHandler = ({ url }) => {
	const anchor = trustAnchor(url.origin);
	if (!anchor) error(404, 'The program CA is not published yet.');
	return new Response(anchor.certPem, {
		headers: { 'Content-Type': 'application/x-pem-file', 'Content-Disposition': 'attachment; filename="ca.pem"', 'Cache-Control': 'public, max-age=3600' }
	});
};
