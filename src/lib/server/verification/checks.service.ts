/**
 * "Who checked this certificate": the verification log read back, for an admin (the whole log of his
 * programs, filterable by serial, paged) and for court staff (their own courts' certificates only).
 * Every read is a staff view of records and is audited. Who checked is the signed-in user's name and
 * role, or "anonymous": the log keeps no address or browser of a verifier, so nothing identifies an
 * anonymous one to anyone, admins included (the rate limits count addresses under their own keys,
 * which expire; a log kept for years must not become a list of who looked at whom).
 */
import { parseStoredFacts, type CertificateFacts } from '../../domain/certificate-facts';
import { actingRole, mayManageProgram, programsInScope } from '../access';
import { audit } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { certificateHistory, type CertificateHistory } from './history';

export const PAGE_SIZE = 50;

export interface Check {
	seq: number;
	at: string;
	method: 'link' | 'typed' | 'upload' | 'api';
	outcome: string;
	serial: string | null;
	/** a signed-in verifier's name, or null: anonymous */
	who: string | null;
	/** his roles, as "court staff, admin"; null when anonymous */
	whoRoles: string | null;
}

const ROLE_NAMES: Record<string, string> = {
	admin: 'admin',
	court: 'court staff',
	facilitator: 'facilitator',
	participant: 'participant'
};

async function withWho(
	db: Db,
	rows: {
		seq: number;
		at: string;
		method: Check['method'];
		outcome: string;
		serial: string | null;
		user_id: string | null;
		name: string | null;
	}[]
): Promise<Check[]> {
	const ids = [...new Set(rows.map((r) => r.user_id).filter((x): x is string => !!x))];
	const roles = ids.length
		? await db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', ids).execute()
		: [];
	return rows.map((r) => ({
		seq: Number(r.seq),
		at: r.at,
		method: r.method,
		outcome: r.outcome,
		serial: r.serial,
		who: r.user_id ? (r.name ?? '(unknown user)') : null,
		whoRoles: r.user_id
			? roles
					.filter((x) => x.user_id === r.user_id)
					.map((x) => ROLE_NAMES[x.role] ?? x.role)
					.sort()
					.join(', ') || null
			: null
	}));
}

function base(db: Db) {
	return db
		.selectFrom('verification_log as v')
		.leftJoin('users as u', 'u.id', 'v.user_id')
		.select(['v.seq', 'v.at', 'v.method', 'v.outcome', 'v.serial', 'v.user_id', 'u.name']);
}

export type LogPage =
	{ ok: true; checks: Check[]; page: number; hasMore: boolean; serial: string } | { ok: false; reason: 'not_found' };

/**
 * The admin's view of the log, newest first: verifications of his programs' certificates, and
 * those that matched no certificate at all (a mistyped or guessed serial: they belong to no program,
 * and they are what shows someone probing). Another program's certificates' rows are not his.
 */
export async function verificationLogForAdmin(
	db: Db,
	admin: UserIdentity,
	filter: { serial?: string; page?: number },
	ip?: string
): Promise<LogPage> {
	const programs = programsInScope(admin, 'admin');
	if (!programs.length) return { ok: false, reason: 'not_found' };
	const page = Math.max(1, Math.min(10_000, Math.floor(filter.page ?? 1)));
	const serial = filter.serial?.trim().toUpperCase().slice(0, 64) ?? '';
	let q = base(db)
		.leftJoin('certificates as c', 'c.id', 'v.certificate_id')
		.where((eb) => eb.or([eb('v.certificate_id', 'is', null), eb('c.program_id', 'in', programs)]));
	if (serial) q = q.where('v.serial', '=', serial);
	const rows = await q
		.orderBy('v.seq', 'desc')
		.limit(PAGE_SIZE + 1)
		.offset((page - 1) * PAGE_SIZE)
		.execute();
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: admin.id,
			action: 'verification_log.view',
			targetType: 'verification_log',
			targetId: null,
			ip,
			details: { serial: serial || null, page, rows: Math.min(rows.length, PAGE_SIZE) }
		})
	);
	return {
		ok: true,
		checks: await withWho(db, rows.slice(0, PAGE_SIZE)),
		page,
		hasMore: rows.length > PAGE_SIZE,
		serial
	};
}

/** The checks of one certificate (its own rows: by code, by upload of its file, or an altered copy of it), newest first. */
export async function checksOf(db: Db, certificateId: string, limit = 20): Promise<Check[]> {
	const rows = await base(db)
		.where('v.certificate_id', '=', certificateId)
		.orderBy('v.seq', 'desc')
		.limit(limit)
		.execute();
	return withWho(db, rows);
}

export interface CourtCertificateView {
	certificate: {
		id: string;
		serial: string;
		status: 'valid' | 'revoked' | 'superseded';
		issuedAt: string;
		revokedAt: string | null;
		revokeReason: string | null;
		supersededBy: string | null;
		sha256: string;
	};
	facts: CertificateFacts;
	history: CertificateHistory;
	/** staff with access to the record see the corrected values too */
	corrections: {
		serial: string;
		at: string | null;
		reason: string;
		changes: { field: string; old: string | null; new: string | null }[];
	}[];
	checks: Check[];
}

/**
 * A certificate of the court staff member's own courts (admins: their programs'), with its
 * corrections and who checked it. Anything else, or a referral whose personal data is removed,
 * answers not_found. Audited as a staff view of the participant's record.
 */
export async function certificateForCourt(
	db: Db,
	user: UserIdentity,
	certificateId: string,
	ip?: string
): Promise<CourtCertificateView | null> {
	const c = await db
		.selectFrom('certificates')
		.innerJoin('enrollments as e', 'e.id', 'certificates.enrollment_id')
		.select([
			'certificates.id',
			'certificates.serial',
			'certificates.status',
			'certificates.issued_at',
			'certificates.revoked_at',
			'certificates.revoke_reason',
			'certificates.superseded_by',
			'certificates.sha256',
			'certificates.facts_json',
			'e.id as enrollment_id',
			'e.program_id',
			'e.court_id',
			'e.user_id',
			'e.purged_at'
		])
		.where('certificates.id', '=', certificateId)
		.executeTakeFirst();
	if (!c || c.purged_at) return null;
	const as = actingRole(user, c, 'court');
	if (!as) return null;
	const [history, corrections, checks] = await Promise.all([
		certificateHistory(db, c),
		db
			.selectFrom('certificate_corrections')
			.select(['serial', 'finished_at', 'reason', 'changes_json'])
			.where('enrollment_id', '=', c.enrollment_id)
			.where('outcome', '=', 'issued')
			.orderBy('started_at')
			.execute(),
		checksOf(db, c.id)
	]);
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'certificate.view',
			targetType: 'certificate',
			targetId: c.id,
			ip,
			details: { as, enrollment: c.enrollment_id }
		})
	);
	return {
		certificate: {
			id: c.id,
			serial: c.serial,
			status: c.status,
			issuedAt: c.issued_at,
			revokedAt: c.revoked_at,
			revokeReason: c.revoke_reason,
			supersededBy: c.superseded_by,
			sha256: c.sha256
		},
		facts: parseStoredFacts(c.facts_json),
		history,
		corrections: corrections.map((k) => ({
			serial: k.serial,
			at: k.finished_at,
			reason: k.reason,
			changes: JSON.parse(k.changes_json)
		})),
		checks
	};
}

/** The checks of a certificate of the admin's programs, for its admin page; audited as a view. */
export async function checksForAdmin(
	db: Db,
	admin: UserIdentity,
	certificateId: string,
	ip?: string
): Promise<Check[] | null> {
	const c = await db
		.selectFrom('certificates')
		.select(['id', 'program_id'])
		.where('id', '=', certificateId)
		.executeTakeFirst();
	if (!c || !mayManageProgram(admin, c.program_id, 'admin')) return null;
	const checks = await checksOf(db, c.id);
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: admin.id,
			action: 'certificate.checks.view',
			targetType: 'certificate',
			targetId: c.id,
			ip,
			details: { rows: checks.length }
		})
	);
	return checks;
}
