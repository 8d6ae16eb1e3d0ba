// Correction requests (Minn. Stat. § 13.04 subd. 4): a participant says what is wrong in the data kept
// about him; an admin of his program corrects the referral's facts where the request is right and
// records the decision, which the participant then reads. The statute gives the program 30 days.
import { normaliseCaseNumber } from '../../domain/enrollment-code';
import { nfc } from '../../domain/text';
import { mayManageProgram, programsInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import { newId } from '../ids';
import { findOwnEnrollment } from '../learning/participant';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';

export const DECISION_DAYS = 30;
/** Open requests one participant may have at once: enough for any real need, not a flood. */
export const MAX_OPEN = 3;
const DAY_MS = 86_400_000;

export type RequestResult =
	{ ok: true; id: string } | { ok: false; reason: 'not_found' | 'too_short' | 'too_many_open' };

export async function requestCorrection(db: Db, user: UserIdentity, body: string, ip?: string): Promise<RequestResult> {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment || enrollment.purged_at) return { ok: false, reason: 'not_found' };
	const text = body.trim();
	if (text.length < 10) return { ok: false, reason: 'too_short' };
	return db.transaction().execute(async (trx): Promise<RequestResult> => {
		// Serialise one participant's requests (PostgreSQL row lock; SQLite's write lock) before counting.
		await trx
			.updateTable('enrollments')
			.set((eb) => ({ status: eb.ref('status') }))
			.where('id', '=', enrollment.id)
			.execute();
		const open = await trx
			.selectFrom('correction_requests')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enrollment_id', '=', enrollment.id)
			.where('decided_at', 'is', null)
			.executeTakeFirstOrThrow();
		if (Number(open.n) >= MAX_OPEN) return { ok: false, reason: 'too_many_open' };
		const id = newId();
		await trx
			.insertInto('correction_requests')
			.values({
				id,
				enrollment_id: enrollment.id,
				body: text,
				created_at: clock.iso(),
				decision: null,
				response: null,
				decided_by: null,
				decided_at: null
			})
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'correction.request',
			targetType: 'enrollment',
			targetId: enrollment.id,
			ip,
			details: { requestId: id }
		});
		return { ok: true, id };
	});
}

export function answerBy(createdAt: string): string {
	return new Date(new Date(createdAt).getTime() + DECISION_DAYS * DAY_MS).toISOString();
}

/** His own requests, newest first, with the program's answers. */
export async function myCorrectionRequests(db: Db, user: UserIdentity) {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return [];
	const rows = await db
		.selectFrom('correction_requests')
		.selectAll()
		.where('enrollment_id', '=', enrollment.id)
		.orderBy('created_at', 'desc')
		.execute();
	return rows.map((r) => ({
		id: r.id,
		body: r.body,
		createdAt: r.created_at,
		answerBy: answerBy(r.created_at),
		decision: r.decision,
		response: r.response,
		decidedAt: r.decided_at
	}));
}

/** The admin's programs' requests: open ones oldest first, then the latest decided. Viewing is audited. */
export async function correctionQueue(db: Db, admin: UserIdentity, ip?: string) {
	const programs = programsInScope(admin, 'admin');
	if (!programs.length) return undefined;
	const base = () =>
		db
			.selectFrom('correction_requests as c')
			.innerJoin('enrollments as e', 'e.id', 'c.enrollment_id')
			.select([
				'c.id',
				'c.body',
				'c.created_at',
				'c.decision',
				'c.response',
				'c.decided_at',
				'e.id as enrollment_id',
				'e.legal_name',
				'e.case_number',
				'e.status'
			])
			.where('e.program_id', 'in', programs)
			.where('e.purged_at', 'is', null);
	const [open, decided] = await Promise.all([
		base().where('c.decided_at', 'is', null).orderBy('c.created_at', 'asc').limit(200).execute(),
		base().where('c.decided_at', 'is not', null).orderBy('c.decided_at', 'desc').limit(30).execute()
	]);
	await db
		.transaction()
		.execute((trx) =>
			audit(trx, { actorId: admin.id, action: 'correction.queue.view', ip, details: { open: open.length } })
		);
	const now = clock.now().getTime();
	const view = (r: (typeof open)[number]) => ({
		id: r.id,
		body: r.body,
		createdAt: r.created_at,
		answerBy: answerBy(r.created_at),
		overdue: !r.decided_at && new Date(answerBy(r.created_at)).getTime() < now,
		decision: r.decision,
		response: r.response,
		decidedAt: r.decided_at,
		enrollmentId: r.enrollment_id,
		legalName: r.legal_name,
		caseNumber: r.case_number
	});
	return { open: open.map(view), decided: decided.map(view) };
}

/** One request with the referral facts an admin may correct (no certificate: see the registry for those). */
export async function correctionForAdmin(db: Db, admin: UserIdentity, requestId: string) {
	const row = await db
		.selectFrom('correction_requests as c')
		.innerJoin('enrollments as e', 'e.id', 'c.enrollment_id')
		.select([
			'c.id',
			'c.body',
			'c.created_at',
			'c.decision',
			'c.response',
			'c.decided_at',
			'e.id as enrollment_id',
			'e.program_id',
			'e.legal_name',
			'e.date_of_birth',
			'e.case_number',
			'e.offence',
			'e.offence_date',
			'e.email',
			'e.phone',
			'e.purged_at'
		])
		.where('c.id', '=', requestId)
		.executeTakeFirst();
	if (!row || row.purged_at || !mayManageProgram(admin, row.program_id, 'admin')) return undefined;
	const certificate = await db
		.selectFrom('certificates')
		.select(['id', 'serial'])
		.where('enrollment_id', '=', row.enrollment_id)
		.where('status', '=', 'valid')
		.executeTakeFirst();
	return { ...row, answerBy: answerBy(row.created_at), certificate: certificate ?? null };
}

export interface ReferralCorrection {
	legalName: string;
	dateOfBirth: string;
	caseNumber: string;
	offence: string | null;
	/** YYYY-MM-DD or null (none); left out: unchanged */
	offenceDate?: string | null;
	email: string | null;
	phone: string | null;
}

export type CorrectReferralResult =
	{ ok: true; changed: string[] } | { ok: false; reason: 'not_found' | 'has_certificate' | 'duplicate_case' };

/**
 * Corrects the referral's facts. An enrollment with a valid certificate, or one being issued, is
 * corrected through the registry's correct-and-reissue instead, so that the certificate never
 * disagrees with the record.
 * The audit entry names the fields that changed, not their values.
 */
export async function correctReferral(
	db: Db,
	admin: UserIdentity,
	enrollmentId: string,
	fix: ReferralCorrection,
	ip?: string
): Promise<CorrectReferralResult> {
	const e = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	if (!e || e.purged_at || !mayManageProgram(admin, e.program_id, 'admin')) return { ok: false, reason: 'not_found' };
	const next = {
		// NFC (the forms already give it): these are the facts a certificate will sign byte for byte.
		legal_name: nfc(fix.legalName.trim()),
		date_of_birth: fix.dateOfBirth,
		case_number: normaliseCaseNumber(fix.caseNumber),
		offence: nfc(fix.offence?.trim() || null),
		offence_date: fix.offenceDate === undefined ? e.offence_date : fix.offenceDate || null,
		email: fix.email?.trim().toLowerCase() || null,
		phone: fix.phone?.trim() || null
	};
	try {
		return await db.transaction().execute(async (trx): Promise<CorrectReferralResult> => {
			// The sign-off claim locks the same row, so from here on no certificate can be claimed or
			// issued from facts other than the ones this transaction leaves (see completion.service.ts).
			const locked = await trx
				.updateTable('enrollments')
				.set((eb) => ({ status: eb.ref('status') }))
				.where('id', '=', enrollmentId)
				.where('purged_at', 'is', null)
				.executeTakeFirst();
			if (Number(locked.numUpdatedRows) !== 1) return { ok: false, reason: 'not_found' };
			// A sign-off whose certificate is not registered yet is a certificate on its way: it is
			// corrected through the registry once issued. (After a revocation the referral is corrected here.)
			const [valid, issuing] = await Promise.all([
				trx
					.selectFrom('certificates')
					.select('id')
					.where('enrollment_id', '=', enrollmentId)
					.where('status', '=', 'valid')
					.executeTakeFirst(),
				trx
					.selectFrom('signoffs')
					.leftJoin('certificates', 'certificates.serial', 'signoffs.serial')
					.select('signoffs.serial')
					.where('signoffs.enrollment_id', '=', enrollmentId)
					.where('certificates.id', 'is', null)
					.executeTakeFirst()
			]);
			if (valid || issuing) return { ok: false, reason: 'has_certificate' };
			const now = await trx
				.selectFrom('enrollments')
				.selectAll()
				.where('id', '=', enrollmentId)
				.executeTakeFirstOrThrow();
			const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => (now[k] ?? null) !== next[k]);
			if (!changed.length) return { ok: true, changed };
			await trx.updateTable('enrollments').set(next).where('id', '=', enrollmentId).execute();
			await audit(trx, {
				actorId: admin.id,
				action: 'enrollment.correct',
				targetType: 'enrollment',
				targetId: enrollmentId,
				ip,
				details: { fields: changed.join(',') }
			});
			return { ok: true, changed };
		});
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate_case' };
		throw err;
	}
}

export type DecideResult = { ok: true } | { ok: false; reason: 'not_found' | 'already_decided' | 'response_required' };

/** Records the decision once: a second admin deciding at the same moment is told it was decided. */
export async function decideCorrection(
	db: Db,
	admin: UserIdentity,
	requestId: string,
	decision: 'corrected' | 'declined',
	response: string,
	ip?: string
): Promise<DecideResult> {
	const r = await correctionForAdmin(db, admin, requestId);
	if (!r) return { ok: false, reason: 'not_found' };
	const text = response.trim();
	if (text.length < 5) return { ok: false, reason: 'response_required' };
	return db.transaction().execute(async (trx): Promise<DecideResult> => {
		const u = await trx
			.updateTable('correction_requests')
			.set({ decision, response: text, decided_by: admin.id, decided_at: clock.iso() })
			.where('id', '=', requestId)
			.where('decided_at', 'is', null)
			.executeTakeFirst();
		if (Number(u.numUpdatedRows) !== 1) return { ok: false, reason: 'already_decided' };
		await audit(trx, {
			actorId: admin.id,
			action: 'correction.decide',
			targetType: 'enrollment',
			targetId: r.enrollment_id,
			ip,
			details: { requestId, decision }
		});
		return { ok: true };
	});
}

/** How many requests of the admin's programs wait for an answer, and how many of those are past 30 days. */
export async function openCorrectionCounts(db: Db, admin: UserIdentity): Promise<{ open: number; overdue: number }> {
	const programs = programsInScope(admin, 'admin');
	if (!programs.length) return { open: 0, overdue: 0 };
	const rows = await db
		.selectFrom('correction_requests as c')
		.innerJoin('enrollments as e', 'e.id', 'c.enrollment_id')
		.select('c.created_at')
		.where('e.program_id', 'in', programs)
		.where('e.purged_at', 'is', null)
		.where('c.decided_at', 'is', null)
		.execute();
	const now = clock.now().getTime();
	return { open: rows.length, overdue: rows.filter((r) => new Date(answerBy(r.created_at)).getTime() < now).length };
}
