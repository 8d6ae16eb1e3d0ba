import type { VerifiedCertificate } from './verification.service';

/** The JSON shape of PRODUCT.md's stable interface. */
export function certificateJson(c: VerifiedCertificate) {
	const removed = c.personalDataRemovedAt !== null;
	return {
		serial: c.serial,
		status: c.status,
		// After the retention period: null, and personalDataRemovedAt says when.
		participantName: removed ? null : c.participantName,
		caseNumber: removed ? null : c.caseNumber,
		court: c.court,
		completedAt: c.completedAt,
		issuedAt: c.issuedAt,
		sha256: c.sha256,
		keyId: c.keyId,
		...(c.status === 'revoked' ? { revokedAt: c.revokedAt, revokeReason: c.revokeReason } : {}),
		...(c.status === 'superseded' ? { supersededBy: c.supersededBy } : {}),
		...(removed ? { personalDataRemovedAt: c.personalDataRemovedAt } : {}),
		signature: c.signature,
		// The signature covers the facts as issued; once they are redacted, only the PDF can show them.
		facts: removed ? null : c.facts
	};
}
