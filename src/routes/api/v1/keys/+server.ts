import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/instance';
import { publishedKeys } from '$lib/server/certificates/trust.service';
import type { RequestHandler } from './$types';

/**
 * Every public key that ever signed a certificate, with its status (active, retired, revoked), so old
 * certificates still verify after rotation; the program CA's certificate and SHA-256 fingerprint; the
 * CRL's address and dates.
 */
export const GET: RequestHandler = async ({ url }) => {
	const { db } = await getDb();
	return json(await publishedKeys(db, url.origin));
};
