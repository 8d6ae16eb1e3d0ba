import { standingLabels, type Standing } from '../../domain/standing';
import { audit } from '../audit/audit';
import { today } from '../clock';
import { toCsv } from '../csv';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { listReferrals } from './court.service';

export const EXPORT_COLUMNS = [
	'Name',
	'Date of birth',
	'Case number',
	'Court',
	'Referred',
	'Due',
	'Status',
	'Activated',
	'Completed',
	'Certificate',
	'Next hearing'
];

/** The referrals report for court staff: their courts only, optionally one status; audited. */
export async function referralsCsv(
	db: Db,
	user: UserIdentity,
	status: Standing | null,
	ip?: string
): Promise<{ csv: string; rows: number; fileName: string }> {
	const all = await listReferrals(db, user);
	const rows = status ? all.filter((r) => r.standing === status) : all;
	// Every cell goes through csvSafe (src/lib/server/csv.ts), dates and labels too: a date column holds whatever
	// was stored, and the rule stays right if a column changes.
	const csv = toCsv(
		EXPORT_COLUMNS,
		rows.map((r) => [
			r.legal_name,
			r.date_of_birth,
			r.case_number,
			r.courtName,
			r.referral_date,
			r.due_date,
			standingLabels[r.standing],
			r.activated_at?.slice(0, 10),
			r.completed_at?.slice(0, 10),
			r.serial,
			r.next_hearing_date
		])
	);
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'court.export',
			targetType: 'report',
			targetId: 'referrals',
			ip,
			details: { status: status ?? 'all', rows: rows.length }
		})
	);
	return { csv, rows: rows.length, fileName: `referrals-${status ?? 'all'}-${today()}.csv` };
}
