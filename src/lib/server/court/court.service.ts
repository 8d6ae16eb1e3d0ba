import { actingRole, enrollmentInScope, whereInScope } from '../access';
import { audit } from '../audit/audit';
import { today } from '../clock';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import { participantRows } from '../facilitation/oversight';
import type { UserIdentity } from '../users/users.queries';

/** Referrals of the courts this user belongs to (admins: their programs' courts), newest first. */
export async function listReferrals(db: Db, user: UserIdentity) {
	const rows = await db
		.selectFrom('enrollments')
		.innerJoin('courts', 'courts.id', 'enrollments.court_id')
		.leftJoin('certificates', (j) =>
			j.onRef('certificates.enrollment_id', '=', 'enrollments.id').on('certificates.status', '=', 'valid')
		)
		.selectAll('enrollments')
		.select(['courts.name as courtName', 'certificates.serial'])
		.where(whereInScope(user, 'court'))
		.where('enrollments.purged_at', 'is', null)
		.orderBy('enrollments.created_at', 'desc')
		.execute();
	const standings = await standingsOf(db, rows);
	const day = today();
	// Only what the court's pages show leaves this function (the rows hold code hashes and the like).
	return rows.map((r) => ({
		id: r.id,
		legal_name: r.legal_name,
		case_number: r.case_number,
		date_of_birth: r.date_of_birth,
		due_date: r.due_date,
		referral_date: r.referral_date,
		status: r.status,
		completed_at: r.completed_at,
		activated_at: r.activated_at,
		next_hearing_date: r.next_hearing_date,
		courtName: r.courtName,
		serial: r.serial,
		standing: standings.get(r.id)!.standing,
		standingReasons: standings.get(r.id)!.reasons,
		hearingSoon: hearingSoon(r, day)
	}));
}

/**
 * Each enrollment's standing by the one rule (domain/standing.ts), from the same measured progress the
 * facilitators' pages and the evidence packet use: a court never reads another answer than they do.
 */
async function standingsOf(db: Db, enrollments: EnrollmentsTable[]) {
	const rows = await participantRows(db, enrollments);
	return new Map(rows.map((r) => [r.id, { standing: r.standing, reasons: r.reasons, daysLeft: r.daysLeft }]));
}

/** One referral, with its certificate; the view is audited (a staff view of a participant record). */
export async function viewReferral(db: Db, user: UserIdentity, enrollmentId: string, ip?: string) {
	const e = await enrollmentInScope(db, user, enrollmentId, 'court');
	if (!e) return undefined;
	const [court, certificates, extensions] = await Promise.all([
		db.selectFrom('courts').select('name').where('id', '=', e.court_id).executeTakeFirstOrThrow(),
		db
			.selectFrom('certificates')
			.select(['id', 'serial', 'status', 'issued_at', 'revoke_reason', 'superseded_by'])
			.where('enrollment_id', '=', e.id)
			.orderBy('issued_at', 'desc')
			.execute(),
		// Court-approved extensions recorded by the program: the court sees which order moved the date.
		db
			.selectFrom('due_date_extensions')
			.select(['previous_due_date', 'new_due_date', 'order_reference', 'created_at'])
			.where('enrollment_id', '=', e.id)
			.orderBy('created_at')
			.execute()
	]);
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'record.view',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { as: actingRole(user, e, 'court') }
		})
	);
	const { standing, reasons } = (await standingsOf(db, [e])).get(e.id)!;
	return { enrollment: e, courtName: court.name, certificates, extensions, standing, standingReasons: reasons };
}

export type HearingResult =
	{ ok: true; changed: boolean } | { ok: false; reason: 'not_found' | 'invalid_date' | 'before_referral' | 'too_far' };

const MAX_HEARING_DAYS = 3 * 366;

/**
 * Records (or clears, with null) the court's next hearing in the case: court staff of its court, or
 * an admin of its program. A date before the referral, or more than three years ahead, is a typo.
 */
export async function setNextHearing(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	date: string | null,
	ip?: string
): Promise<HearingResult> {
	const e = await db
		.selectFrom('enrollments')
		.select(['id', 'program_id', 'court_id', 'user_id', 'referral_date', 'next_hearing_date', 'purged_at'])
		.where('id', '=', enrollmentId)
		.executeTakeFirst();
	if (!e || e.purged_at || !actingRole(user, e, 'court')) return { ok: false, reason: 'not_found' };
	if (date !== null) {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
			return { ok: false, reason: 'invalid_date' };
		if (date < e.referral_date) return { ok: false, reason: 'before_referral' };
		if (Date.parse(date) - Date.parse(today()) > MAX_HEARING_DAYS * 86_400_000) return { ok: false, reason: 'too_far' };
	}
	if (e.next_hearing_date === date) return { ok: true, changed: false };
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('enrollments').set({ next_hearing_date: date }).where('id', '=', e.id).execute();
		await audit(trx, {
			actorId: user.id,
			action: 'referral.hearing',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { date, was: e.next_hearing_date }
		});
	});
	return { ok: true, changed: true };
}

/** A hearing within this many days, with the course not complete: the court should look now. */
export const HEARING_SOON_DAYS = 14;

export function hearingSoon(r: { next_hearing_date: string | null; status: string }, day = today()): boolean {
	if (!r.next_hearing_date || r.status === 'completed' || r.next_hearing_date < day) return false;
	return (Date.parse(r.next_hearing_date) - Date.parse(day)) / 86_400_000 <= HEARING_SOON_DAYS;
}
