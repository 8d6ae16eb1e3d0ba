// Test support for the access matrix: a second program, with its own court, staff and a certified
// participant, so every route can be asked for another program's records. Prints the ids as JSON.
import { completeModules } from '../../../src/lib/server/testing/walk-course';
import { attest, signOff } from '../../../src/lib/server/completion/completion.service';
import { useSigningKeys } from '../../../src/lib/server/certificates/certificate-keys';
import { loadKeys } from '../../../src/lib/server/certificates/keys-folder';
import { openDatabase } from '../../../src/lib/server/db';
import { recordFee } from '../../../src/lib/server/facilitation/facilitation.service';
import { openAttempt } from '../../../src/lib/server/quizzes/quiz.service';
import { scheduleSession } from '../../../src/lib/server/sessions/sessions.service';
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
const { programId, courtId, slug } = await makeProgram(db, { feeRequired: true }, `other-${Date.now()}`);
const versionId = await makeCurriculum(db, slug, 2);
const facilitator = await makeStaff(db, ['facilitator'], { programId }, `facilitator@${slug}.test`);
const clerk = await makeStaff(db, ['court'], { courtId }, `clerk@${slug}.test`);
const admin = await makeStaff(db, ['admin'], { programId }, `admin@${slug}.test`);

// One certified participant, one part-way with a reflection waiting and a quiz attempt open.
const done = await makeParticipant(db, clerk, courtId);
await completeModules(db, done.user, facilitator, Infinity);
await recordFee(db, facilitator, done.enrollmentId, 'paid');
const a = await attest(db, done.user, { typedName: done.legalName, confirmed: true });
if (!a.ok) throw new Error(`attest: ${a.reason}`);
const s = await signOff(db, facilitator, done.enrollmentId, 'http://127.0.0.1');
if (!s.ok) throw new Error(`sign-off: ${s.reason}`);

const partway = await makeParticipant(db, clerk, courtId);
const modules = await db
	.selectFrom('modules')
	.select('id')
	.where('curriculum_version_id', '=', versionId)
	.orderBy('position')
	.execute();
const attempt = await openAttempt(db, partway.user, modules[0].id);
if (!attempt.ok) throw new Error(`attempt: ${attempt.reason}`);
const submission = await db
	.selectFrom('reflection_submissions')
	.select('id')
	.where('enrollment_id', '=', done.enrollmentId)
	.executeTakeFirstOrThrow();
const certificate = await db
	.selectFrom('certificates')
	.select(['id', 'serial'])
	.where('enrollment_id', '=', done.enrollmentId)
	.executeTakeFirstOrThrow();

const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
const session = await scheduleSession(db, facilitator, {
	programId,
	title: 'Other program panel',
	kind: 'survivor_panel',
	mode: 'in_person',
	location: 'Room 2',
	url: '',
	startsLocal: `${soon}T18:00`,
	endsLocal: `${soon}T20:00`,
	capacity: 10
});
if (!session.ok) throw new Error(`session: ${session.reason}`);

console.log(
	JSON.stringify({
		programId,
		courtId,
		password: TEST_PASSWORD,
		facilitator: facilitator.email,
		clerk: clerk.email,
		admin: admin.email,
		participant: partway.user.email,
		enrollmentId: partway.enrollmentId,
		certifiedEnrollmentId: done.enrollmentId,
		moduleId: modules[0].id,
		attemptId: attempt.attemptId,
		submissionId: submission.id,
		certificateId: certificate.id,
		serial: certificate.serial,
		sessionId: session.id
	})
);
await h.close();
