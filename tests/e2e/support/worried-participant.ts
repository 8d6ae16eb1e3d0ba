// Test support for the safety-flag browser test: a participant of the demo program who passes module
// 1's quiz and submits a reflection the phrase screen must catch. Prints his name and the submission.
import { openDatabase } from '../../../src/lib/server/db';
import { openAttempt, submitAttempt } from '../../../src/lib/server/quizzes/quiz.service';
import { submitReflection } from '../../../src/lib/server/reflections/reflection.service';
import { makeParticipant } from '../../../src/lib/server/testing/factories';
import { findIdentity, findUserByEmail } from '../../../src/lib/server/users/users.queries';

const h = openDatabase(process.env.DATABASE_URL);
const db = h.db;
const clerk = (await findIdentity(db, (await findUserByEmail(db, 'clerk@demo.johnschool.test'))!.id))!;
const him = await makeParticipant(db, clerk, clerk.courtIds[0]);
const enrollment = await db
	.selectFrom('enrollments')
	.select('curriculum_version_id')
	.where('id', '=', him.enrollmentId)
	.executeTakeFirstOrThrow();
const module1 = await db
	.selectFrom('modules')
	.select('id')
	.where('curriculum_version_id', '=', enrollment.curriculum_version_id!)
	.orderBy('position')
	.executeTakeFirstOrThrow();
// His time in the module, as if he had read it (the quiz opens only after the seat time).
await db
	.insertInto('module_progress')
	.values({
		enrollment_id: him.enrollmentId,
		module_id: module1.id,
		seat_seconds: 100_000,
		started_at: new Date().toISOString(),
		last_activity_at: new Date().toISOString(),
		completed_at: null
	})
	.execute();
const attempt = await openAttempt(db, him.user, module1.id);
if (!attempt.ok) throw new Error(`attempt: ${attempt.reason}`);
const options = await db
	.selectFrom('quiz_options')
	.select(['id', 'question_id'])
	.where(
		'question_id',
		'in',
		attempt.questions.map((q) => q.id)
	)
	.where('is_correct', '=', 1)
	.execute();
const answers: Record<string, string[]> = {};
for (const o of options) (answers[o.question_id] ??= []).push(o.id);
const sent = await submitAttempt(db, him.user, module1.id, attempt.attemptId, answers);
if (!sent.ok || !sent.passed) throw new Error('the quiz was not passed');
const prompt = await db
	.selectFrom('reflection_prompts')
	.select('id')
	.where('module_id', '=', module1.id)
	.orderBy('position')
	.executeTakeFirstOrThrow();
const text =
	'Some nights I do not want to be alive any more. I never asked how old she was; I think she was underage, and I cannot stop thinking about that. ' +
	'I understand now that what I did caused real harm to a real person, and I want to take responsibility and get help.';
const r = await submitReflection(
	db,
	him.user,
	module1.id,
	prompt.id,
	text.padEnd(700, ' I will keep working on this.')
);
if (!r.ok) throw new Error(`reflection: ${r.reason}`);
const submission = await db
	.selectFrom('reflection_submissions')
	.select('id')
	.where('enrollment_id', '=', him.enrollmentId)
	.executeTakeFirstOrThrow();
console.log(JSON.stringify({ legalName: him.legalName, submissionId: submission.id }));
await h.close();
