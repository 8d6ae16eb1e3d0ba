/** What an operator must act on about the keys: said at server start, daily, and on the admin overview. */

/** A CRL this close to its nextUpdate is flagged, so there is time to bring the CA folder out. */
export const CRL_WARN_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;
const CRL_FIX =
	'Issue a fresh one with `npm run cli -- keys:crl --ca-dir <CA folder>` (it is written into the keys folder when that folder is on the same machine; otherwise copy ca.crl into it). The server picks it up without a restart.';

export function crlWarning(crl: { nextUpdate: string } | null, now: Date): string | null {
	if (!crl)
		return `The keys folder has no current revocation list (ca.crl) of the program CA, so nobody can check that the signing certificate was not revoked. ${CRL_FIX}`;
	const left = new Date(crl.nextUpdate).getTime() - now.getTime();
	const day = crl.nextUpdate.slice(0, 10);
	if (left <= 0)
		return `The program CA's revocation list ran out on ${day}: validators now treat the signing certificate's status as unknown. ${CRL_FIX}`;
	if (left <= CRL_WARN_DAYS * DAY_MS)
		return `The program CA's revocation list runs out on ${day} (in ${Math.ceil(left / DAY_MS)} day(s)). ${CRL_FIX}`;
	return null;
}

export function caKeyWarning(caKeyInKeysFolder: boolean, keysDir: string): string | null {
	if (!caKeyInKeysFolder) return null;
	return `The CA private key (ca.key.pem) is in the server's keys folder ${keysDir}: anyone who can read that folder can make certificates in the program's name. Move it out with \`npm run cli -- keys:move-ca --to <folder kept off the server>\`.`;
}

/** Signer certificates made before the CRL distribution point was named cannot be checked for revocation. */
export function signerCrlWarning(signerNamesCrl: boolean): string | null {
	if (signerNamesCrl) return null;
	return 'The active signing certificate does not say where its revocation list is published, so validators cannot check it. Rotate to one that does: `npm run cli -- keys:generate --ca-dir <CA folder>`, then restart the server.';
}
