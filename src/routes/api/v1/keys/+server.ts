import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/instance';
import type { RequestHandler } from './$types';

/** Every public key that ever signed a certificate, so old certificates still verify after rotation. */
export const GET: RequestHandler = async () => {
	const { db } = await getDb();
	const keys = await db.selectFrom('signing_keys').select(['id', 'kind', 'public_pem', 'created_at']).orderBy('created_at').execute();
	return json({
		keys: keys.map((k) => ({ keyId: k.id, kind: k.kind === 'ed25519' ? 'ed25519' : 'pdf-signing-certificate', pem: k.public_pem, createdAt: k.created_at })),
		canonicalForm: 'UTF-8 of JSON.stringify of the facts with object keys sorted recursively, strings NFC, no whitespace'
	});
};
