import { error } from '@sveltejs/kit';
import { trustAnchor } from '$lib/server/certificates/trust.service';
import type { RequestHandler } from './$types';

/**
 * The program CA's current CRL, DER (RFC 2585 application/pkix-crl): the stable address every signer
 * certificate names as its CRL distribution point. A fresh one written by the CLI is served within
 * seconds, without a restart.
 */
export const GET: RequestHandler = ({ url }) => {
	const crl = trustAnchor(url.origin)?.crl;
	if (!crl) error(404, 'The program CA has not published a revocation list yet.');
	return new Response(new Uint8Array(crl.der), {
		headers: { 'Content-Type': 'application/pkix-crl', 'Content-Disposition': 'attachment; filename="ca.crl"', 'Cache-Control': 'public, max-age=600', 'Last-Modified': new Date(crl.thisUpdate).toUTCString() }
	});
};
