import { compliance } from '../../domain/compliance';
import { canSeeEnrollment, courtRole, courtsInScope } from '../access';
import { audit } from '../audit/audit';
import { today } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** Referrals of the courts this user belongs to (admins: their programs' courts), newest first. */
export async function listReferrals(db: Db, user: UserIdentity) {
	const courts = await courtsInScope(db, user);
	if (!courts.length) return [];
	const rows = await db
		.selectFrom('enrollments')
		.innerJoin('courts', 'courts.id', 'enrollments.court_id')
		.leftJoin('certificates', (j) => j.onRef('certificates.enrollment_id', '=', 'enrollments.id').on('certificates.status', '=', 'valid'))
		.select([
			'enrollments.id',
			'enrollments.legal_name',
			'enrollments.case_number',
			'enrollments.date_of_birth',
			'enrollments.due_date',
			'enrollments.referral_date',
			'enrollments.status',
			'enrollments.completed_at',
			'enrollments.activated_at',
			'courts.name as courtName',
			'certificates.serial'
		])
		.where('enrollments.court_id', 'in', courts.map((c) => c.id))
		.where('enrollments.purged_at', 'is', null)
		.orderBy('enrollments.created_at', 'desc')
		.execute();
	const day = today();
	return rows.map((r) => ({ ...r, compliance: compliance(r, day, !!r.activated_at) }));
}

/** One referral, with its certificate; the view is audited (a staff view of a participant record). */
export async function viewReferral(db: Db, user: UserIdentity, enrollmentId: string, ip?: string) {
	const role = courtRole(user);
	const e = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	if (!e || !role || !canSeeEnrollment(user, e, role)) return undefined;
	const [court, certificates, extensions] = await Promise.all([
		db.selectFrom('courts').select('name').where('id', '=', e.court_id).executeTakeFirstOrThrow(),
		db.selectFrom('certificates').select(['id', 'serial', 'status', 'issued_at', 'revoke_reason', 'superseded_by']).where('enrollment_id', '=', e.id).orderBy('issued_at', 'desc').execute(),
		// Court-approved extensions recorded by the program: the court sees which order moved the date.
		db
			.selectFrom('due_date_extensions')
			.select(['previous_due_date', 'new_due_date', 'order_reference', 'created_at'])
			.where('enrollment_id', '=', e.id)
			.orderBy('created_at')
			.execute()
	]);
	await db.transaction().execute((trx) => audit(trx, { actorId: user.id, action: 'record.view', targetType: 'enrollment', targetId: e.id, ip, details: { as: role } }));
	return { enrollment: e, courtName: court.name, certificates, extensions, compliance: compliance(e, today(), !!e.activated_at) };
}
