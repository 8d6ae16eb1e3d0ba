// Test support for the registry browser test: in a program of its own, a certificate A corrected
// into B, B corrected into C, and C revoked; a clerk of that program's court. Writes A's PDF to a
// file and prints the serials, the path and the clerk's sign-in as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeModules } from '../../../src/lib/server/testing/walk-course';
import { useSigningKeys } from '../../../src/lib/server/certificates/certificate-keys';
import { loadKeys } from '../../../src/lib/server/certificates/keys-folder';
import { reissueCertificate, revokeCertificate } from '../../../src/lib/server/certificates/registry.service';
import { attest, signOff } from '../../../src/lib/server/completion/completion.service';
import { openDatabase } from '../../../src/lib/server/db';
import { recordFee } from '../../../src/lib/server/facilitation/facilitation.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD
} from '../../../src/lib/server/testing/factories';

const h = openDatabase(process.env.DATABASE_URL);
const db = h.db;
useSigningKeys(loadKeys(process.env.KEYS_DIR!));
const origin = process.env.E2E_BASE_URL!;
const { programId, courtId, slug } = await makeProgram(db, {}, `chain-${Date.now()}`);
await makeCurriculum(db, slug, 1);
const facilitator = await makeStaff(db, ['facilitator'], { programId });
const clerk = await makeStaff(db, ['court'], { courtId });
const admin = await makeStaff(db, ['admin'], { programId });

const p = await makeParticipant(db, clerk, courtId);
await completeModules(db, p.user, facilitator, Infinity);
await recordFee(db, facilitator, p.enrollmentId, 'paid');
const a = await attest(db, p.user, { typedName: p.legalName, confirmed: true });
if (!a.ok) throw new Error(`attest: ${a.reason}`);
const s = await signOff(db, facilitator, p.enrollmentId, origin);
if (!s.ok) throw new Error(`sign-off: ${s.reason}`);
const row = await db
	.selectFrom('certificate_files')
	.select('pdf')
	.where('certificate_id', '=', s.certificateId)
	.executeTakeFirstOrThrow();
const aPdf = join(process.env.E2E_WORK!, 'chain-a.pdf');
writeFileSync(aPdf, row.pdf);

const fix = (legalName: string, reason: string) => ({
	legalName,
	dateOfBirth: p.dateOfBirth,
	caseNumber: p.caseNumber,
	offence: null,
	reason
});
const b = await reissueCertificate(
	db,
	admin,
	s.certificateId,
	fix(`${p.legalName} Jr.`, 'Suffix missing on the referral'),
	origin
);
if (!b.ok) throw new Error(`reissue B: ${b.reason}`);
const c = await reissueCertificate(
	db,
	admin,
	b.certificateId,
	fix(`${p.legalName} Junior`, 'Suffix spelled out as on the court order'),
	origin
);
if (!c.ok) throw new Error(`reissue C: ${c.reason}`);
const r = await revokeCertificate(db, admin, c.certificateId, 'Completion recorded in error');
if (!r.ok) throw new Error(`revoke C: ${r.reason}`);

console.log(
	JSON.stringify({
		aPdf,
		a: s.serial,
		aId: s.certificateId,
		b: b.serial,
		c: c.serial,
		legalName: p.legalName,
		clerk: clerk.email,
		password: TEST_PASSWORD
	})
);
await h.close();
