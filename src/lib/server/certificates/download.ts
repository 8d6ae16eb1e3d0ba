import { actingRole } from '../access';
import { audit } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** The issued file, byte for byte, to its participant, his court's staff, or his program's staff. */
export async function certificateFile(db: Db, user: UserIdentity, certificateId: string, ip?: string) {
	const row = await db
		.selectFrom('certificates')
		.innerJoin('enrollments', 'enrollments.id', 'certificates.enrollment_id')
		.innerJoin('certificate_files', 'certificate_files.certificate_id', 'certificates.id')
		.select([
			'certificates.id',
			'certificates.serial',
			'certificates.status',
			'certificate_files.pdf',
			'enrollments.program_id',
			'enrollments.court_id',
			'enrollments.user_id'
		])
		.where('certificates.id', '=', certificateId)
		.executeTakeFirst();
	if (!row) return undefined;
	const as = actingRole(user, row, 'any');
	if (!as) return undefined;
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'certificate.download',
			targetType: 'certificate',
			targetId: row.id,
			ip,
			details: { as }
		})
	);
	return { serial: row.serial, status: row.status, pdf: Buffer.from(row.pdf) };
}
