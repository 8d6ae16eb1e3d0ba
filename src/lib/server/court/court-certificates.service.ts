import { parseStoredFacts } from '../../domain/certificate-facts';
import { courtsInScope, whereInScope } from '../access';
import { audit } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** The newest this many are shown; a search narrows the rest. */
export const LIST_LIMIT = 200;

export interface CertificateFilter {
	/** one of the user's courts; undefined = all of them */
	courtId?: string;
	/** part of a name (accents and case ignored), a case number or a serial */
	q?: string;
}

export interface CourtCertificate {
	id: string;
	serial: string;
	status: 'valid' | 'revoked' | 'superseded';
	participantName: string;
	caseNumber: string;
	court: string;
	completedAt: string;
	issuedAt: string;
	revokedAt: string | null;
	supersededBy: string | null;
}

export type ListResult =
	| { ok: true; courts: { id: string; name: string }[]; certificates: CourtCertificate[]; matched: number }
	| { ok: false; reason: 'not_found' };

/** "Nguyễn Łukasz" → "nguyen lukasz": what a clerk types without the accents should still match. */
export function foldName(s: string): string {
	return s
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.replace(/[łŁ]/g, 'l')
		.replace(/[đĐ]/g, 'd')
		.replace(/[øØ]/g, 'o')
		.replace(/ß/g, 'ss')
		.toLowerCase()
		.replace(/[’'`]/g, "'")
		.replace(/\s+/g, ' ')
		.trim();
}

const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function matches(q: string, names: string[], caseNumber: string, serial: string): boolean {
	const folded = foldName(q);
	if (names.some((n) => foldName(n).includes(folded))) return true;
	const key = alnum(q);
	// Case numbers and serials are matched ignoring dashes and spaces, and only on a query with a digit
	// (so "cr" does not match every case number).
	return /\d/.test(key) && (alnum(caseNumber).includes(key) || alnum(serial).includes(key));
}

/**
 * Certificates of the referrals of the user's courts (admins: their programs' courts), newest first.
 * A court outside the user's scope answers not_found. The listing is a staff view of participant
 * records: it is audited with the ids shown.
 */
export async function listCourtCertificates(
	db: Db,
	user: UserIdentity,
	filter: CertificateFilter,
	ip?: string
): Promise<ListResult> {
	const courts = await courtsInScope(db, user);
	if (filter.courtId && !courts.some((c) => c.id === filter.courtId)) return { ok: false, reason: 'not_found' };
	const scope = courts.map((c) => ({ id: c.id, name: c.name }));
	if (courts.length === 0) return { ok: true, courts: scope, certificates: [], matched: 0 };

	let query = db
		.selectFrom('certificates')
		.innerJoin('enrollments', 'enrollments.id', 'certificates.enrollment_id')
		.select([
			'certificates.id',
			'certificates.serial',
			'certificates.status',
			'certificates.issued_at',
			'certificates.revoked_at',
			'certificates.superseded_by',
			'certificates.facts_json',
			'enrollments.legal_name'
		])
		// The enrollment's court and program are what opening checks (access.ts), so the list uses them too.
		.where(whereInScope(user, 'court'))
		.where('enrollments.purged_at', 'is', null);
	if (filter.courtId) query = query.where('enrollments.court_id', '=', filter.courtId);
	const rows = await query.orderBy('certificates.issued_at', 'desc').orderBy('certificates.serial', 'desc').execute();

	const q = filter.q?.trim();
	const found: CourtCertificate[] = [];
	for (const r of rows) {
		const f = parseStoredFacts(r.facts_json);
		if (q && !matches(q, [f.participantName, r.legal_name], f.caseNumber, r.serial)) continue;
		found.push({
			id: r.id,
			serial: r.serial,
			status: r.status,
			participantName: f.participantName,
			caseNumber: f.caseNumber,
			court: f.court,
			completedAt: f.completedAt,
			issuedAt: r.issued_at,
			revokedAt: r.revoked_at,
			supersededBy: r.superseded_by
		});
	}
	const shown = found.slice(0, LIST_LIMIT);
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'certificate.list',
			targetType: 'court',
			targetId: filter.courtId ?? null,
			ip,
			details: { searched: !!q, matched: found.length, shown: shown.map((c) => c.id).join(',') }
		})
	);
	return { ok: true, courts: scope, certificates: shown, matched: found.length };
}
