// Test support for the verification browser test: in a program of its own, certificates that verify
// as valid, superseded (corrected and reissued) and revoked, and one whose participant's personal
// data the retention period has removed. Writes each issued PDF to a file
// and prints their paths and serials as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeModules } from '../../../src/lib/server/testing/walk-course';
import { useSigningKeys } from '../../../src/lib/server/certificates/certificate-keys';
import { loadKeys } from '../../../src/lib/server/certificates/keys-folder';
import { reissueCertificate, revokeCertificate } from '../../../src/lib/server/certificates/registry.service';
import { attest, signOff } from '../../../src/lib/server/completion/completion.service';
import { openDatabase } from '../../../src/lib/server/db';
import { recordFee } from '../../../src/lib/server/facilitation/facilitation.service';
import { purgeEnrollment } from '../../../src/lib/server/privacy/retention';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../../src/lib/server/testing/factories';

const h = openDatabase(process.env.DATABASE_URL);
const db = h.db;
const work = process.env.E2E_WORK!;
useSigningKeys(loadKeys(process.env.KEYS_DIR!));
const { programId, courtId, slug } = await makeProgram(db, {}, `outcomes-${Date.now()}`);
await makeCurriculum(db, slug, 1);
const facilitator = await makeStaff(db, ['facilitator'], { programId });
const clerk = await makeStaff(db, ['court'], { courtId });
const admin = await makeStaff(db, ['admin'], { programId });

async function certified() {
	const p = await makeParticipant(db, clerk, courtId);
	await completeModules(db, p.user, facilitator, Infinity);
	await recordFee(db, facilitator, p.enrollmentId, 'paid');
	const a = await attest(db, p.user, { typedName: p.legalName, confirmed: true });
	if (!a.ok) throw new Error(`attest: ${a.reason}`);
	const s = await signOff(db, facilitator, p.enrollmentId, process.env.E2E_BASE_URL!);
	if (!s.ok) throw new Error(`sign-off: ${s.reason}`);
	return { ...p, ...s };
}

async function saved(certificateId: string, name: string) {
	const row = await db
		.selectFrom('certificate_files')
		.select('pdf')
		.where('certificate_id', '=', certificateId)
		.executeTakeFirstOrThrow();
	const path = join(work, `${name}.pdf`);
	writeFileSync(path, row.pdf);
	return path;
}

const first = await certified();
const supersededPdf = await saved(first.certificateId, 'outcome-superseded');
const fix = await reissueCertificate(
	db,
	admin,
	first.certificateId,
	{
		legalName: `${first.legalName} Jr.`,
		dateOfBirth: first.dateOfBirth,
		caseNumber: first.caseNumber,
		offence: null,
		reason: 'Suffix missing on the referral'
	},
	process.env.E2E_BASE_URL!
);
if (!fix.ok) throw new Error(`reissue: ${fix.reason}`);
const validPdf = await saved(fix.certificateId, 'outcome-valid');

const second = await certified();
const revokedPdf = await saved(second.certificateId, 'outcome-revoked');
const r = await revokeCertificate(db, admin, second.certificateId, 'Completion recorded in error');
if (!r.ok) throw new Error(`revoke: ${r.reason}`);

const third = await certified();
const purgedPdf = await saved(third.certificateId, 'outcome-purged');
const now = new Date().toISOString();
const purge = await purgeEnrollment(db, {
	enrollmentId: third.enrollmentId,
	programId,
	caseEndedAt: now,
	retentionDays: 365,
	dueAt: now
});
if (!purge.purged) throw new Error('purge: nothing purged');

console.log(
	JSON.stringify({
		validPdf,
		validSerial: fix.serial,
		supersededPdf,
		supersededSerial: first.serial,
		revokedPdf,
		revokedSerial: second.serial,
		purgedPdf,
		purgedSerial: third.serial,
		purgedName: third.legalName
	})
);
await h.close();
