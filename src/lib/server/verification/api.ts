import { signedFactsBytes } from '../../domain/certificate-facts';
import type { VerifiedCertificate } from './verification.service';

/** The JSON shape of the stable interface (README, "Stable interfaces"). */
export function certificateJson(c: VerifiedCertificate) {
	const removed = c.personalDataRemovedAt !== null;
	// The exact bytes the Ed25519 signature covers (version 1: keys sorted and NFC; version 2: RFC
	// 8785), so a verifier checks them as they are and never canonicalises anything himself. `facts`
	// is those same bytes parsed: what is shown is what is signed.
	const signed = removed ? null : Buffer.from(signedFactsBytes(c.facts));
	return {
		serial: c.serial,
		status: c.status,
		// After the retention period: null, and personalDataRemovedAt says when.
		participantName: removed ? null : c.participantName,
		caseNumber: removed ? null : c.caseNumber,
		court: c.court,
		completedAt: c.completedAt,
		issuedAt: c.issuedAt,
		// When an RFC 3161 time-stamp in the PDF signature puts it; null: no independent time.
		timestampedAt: c.timestampedAt,
		sha256: c.sha256,
		keyId: c.keyId,
		...(c.status === 'revoked' ? { revokedAt: c.revokedAt, revokeReason: c.revokeReason } : {}),
		...(c.status === 'superseded' ? { supersededBy: c.supersededBy } : {}),
		// Added fields (nothing above renamed): the serial's corrections, reason and changed field names
		// only (history.ts says why no values), and for a superseded one the current end of its chain.
		...(c.status === 'superseded' && c.history.current
			? {
					currentSerial: c.history.current.serial,
					currentStatus: c.history.current.status,
					...(c.history.current.revokedAt ? { currentRevokedAt: c.history.current.revokedAt } : {})
				}
			: {}),
		replaces: c.history.replaces,
		replacedBy: c.history.replacedBy,
		...(removed ? { personalDataRemovedAt: c.personalDataRemovedAt } : {}),
		signature: c.signature,
		// The signature covers the facts as issued; once they are redacted, only the PDF can show them.
		facts: signed ? (JSON.parse(signed.toString('utf8')) as VerifiedCertificate['facts']) : null,
		signedFacts: signed ? signed.toString('base64') : null
	};
}
