import type { VerifiedCertificate } from './verification.service';

/** The JSON shape of PRODUCT.md's stable interface. */
export function certificateJson(c: VerifiedCertificate) {
	return {
		serial: c.serial,
		status: c.status,
		participantName: c.participantName,
		caseNumber: c.caseNumber,
		court: c.court,
		completedAt: c.completedAt,
		issuedAt: c.issuedAt,
		sha256: c.sha256,
		keyId: c.keyId,
		...(c.status === 'revoked' ? { revokedAt: c.revokedAt, revokeReason: c.revokeReason } : {}),
		...(c.status === 'superseded' ? { supersededBy: c.supersededBy } : {}),
		signature: c.signature,
		facts: c.facts
	};
}
