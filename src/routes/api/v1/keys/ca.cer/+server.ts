import { error } from '@sveltejs/kit';
import { trustAnchor } from '$lib/server/certificates/trust.service';
import type { RequestHandler } from './$types';

/** The program CA's certificate, DER (RFC 2585): what Adobe Reader and Windows import; the signer certificate's caIssuers. */
export const GET: RequestHandler = ({ url }) => {
	const anchor = trustAnchor(url.origin);
	if (!anchor) error(404, 'The program CA is not published yet.');
	return new Response(new Uint8Array(anchor.certDer), {
		headers: { 'Content-Type': 'application/pkix-cert', 'Content-Disposition': 'attachment; filename="ca.cer"', 'Cache-Control': 'public, max-age=3600' }
	});
};
