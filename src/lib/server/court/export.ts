import { stringify } from 'csv-stringify/sync';
import { complianceLabels, type Compliance } from '../../domain/compliance';
import { audit } from '../audit/audit';
import { today } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { listReferrals } from './court.service';

/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab / carriage return) as a formula;
 * a name typed as "=HYPERLINK(…)" must stay text (OWASP CSV injection).
 */
export function csvSafe(value: string | null | undefined): string {
	const s = value ?? '';
	return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export const EXPORT_COLUMNS = ['Name', 'Date of birth', 'Case number', 'Court', 'Referred', 'Due', 'Status', 'Activated', 'Completed', 'Certificate', 'Next hearing'];

/** The referrals report for court staff: their courts only, optionally one status; audited. */
export async function referralsCsv(db: Db, user: UserIdentity, status: Compliance | null, ip?: string): Promise<{ csv: string; rows: number; fileName: string }> {
	const all = await listReferrals(db, user);
	const rows = status ? all.filter((r) => r.compliance === status) : all;
	const csv = stringify(
		rows.map((r) => [
			csvSafe(r.legal_name),
			r.date_of_birth,
			csvSafe(r.case_number),
			csvSafe(r.courtName),
			r.referral_date,
			r.due_date,
			complianceLabels[r.compliance],
			r.activated_at?.slice(0, 10) ?? '',
			r.completed_at?.slice(0, 10) ?? '',
			r.serial ?? '',
			r.next_hearing_date ?? ''
		]),
		{ header: true, columns: EXPORT_COLUMNS, bom: true, record_delimiter: 'windows' }
	);
	await db.transaction().execute((trx) =>
		audit(trx, { actorId: user.id, action: 'court.export', targetType: 'report', targetId: 'referrals', ip, details: { status: status ?? 'all', rows: rows.length } })
	);
	return { csv, rows: rows.length, fileName: `referrals-${status ?? 'all'}-${today()}.csv` };
}
