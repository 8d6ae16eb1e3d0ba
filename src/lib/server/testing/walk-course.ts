// Works through a course as a participant would, for the tests and the demo (db/demo/load.ts): one
// home for it, so neither imports the other.
import { clock } from '../clock';
import type { Db } from '../db';
import { loadCourseState } from '../learning/evidence';
import { findOwnEnrollment } from '../learning/participant';
import { openAttempt, submitAttempt } from '../quizzes/quiz.service';
import { gradeReflection, submitReflection } from '../reflections/reflection.service';
import type { UserIdentity } from '../users/users.queries';

/**
 * Works through the first `count` incomplete modules as a participant would (seat time is credited
 * directly: there is no browser here), with each reflection graded satisfactory by `grader`.
 * Complete modules are skipped; the module after the last one worked gets half its seat time.
 */
export async function completeModules(
	db: Db,
	participant: UserIdentity,
	grader: UserIdentity,
	count: number
): Promise<number> {
	const enrollment = (await findOwnEnrollment(db, participant))!;
	const state = await loadCourseState(db, enrollment);
	let done = 0;
	for (const m of state.modules) {
		if (m.complete) continue;
		const now = clock.iso();
		const partial = done >= count;
		const seconds = partial ? Math.floor(m.requiredSeconds / 2) : m.requiredSeconds + 30;
		await db
			.insertInto('module_progress')
			.values({
				enrollment_id: enrollment.id,
				module_id: m.moduleId,
				seat_seconds: seconds,
				started_at: now,
				last_activity_at: now,
				completed_at: null
			})
			.onConflict((oc) =>
				oc.columns(['enrollment_id', 'module_id']).doUpdateSet({ seat_seconds: seconds, last_activity_at: now })
			)
			.execute();
		if (partial) break;
		if (!m.quizPassed) await passQuiz(db, participant, m.moduleId);
		const prompts = await db
			.selectFrom('reflection_prompts')
			.select(['id', 'min_length'])
			.where('module_id', '=', m.moduleId)
			.execute();
		for (const p of prompts) {
			const text = demoReflection(m.title).padEnd(p.min_length + 10, ' I will keep working on this.');
			const s = await submitReflection(db, participant, m.moduleId, p.id, text);
			if (!s.ok && s.reason !== 'awaiting_grade' && s.reason !== 'already_satisfactory')
				throw new Error(`demo reflection: ${s.reason}`);
			const pending = await db
				.selectFrom('reflection_submissions')
				.select('id')
				.where('prompt_id', '=', p.id)
				.where('enrollment_id', '=', enrollment.id)
				.where('status', '=', 'submitted')
				.execute();
			for (const sub of pending)
				await gradeReflection(db, grader, {
					submissionId: sub.id,
					outcome: 'satisfactory',
					feedback: 'Thoughtful and specific. Thank you.',
					rubric: {}
				});
		}
		done++;
	}
	return done;
}

async function passQuiz(db: Db, participant: UserIdentity, moduleId: string): Promise<void> {
	const attempt = await openAttempt(db, participant, moduleId);
	if (!attempt.ok) throw new Error(`demo quiz: ${attempt.reason}`);
	const options = await db
		.selectFrom('quiz_options')
		.select(['question_id', 'id'])
		.where(
			'question_id',
			'in',
			attempt.questions.map((q) => q.id)
		)
		.where('is_correct', '=', 1)
		.execute();
	const answers: Record<string, string[]> = {};
	for (const o of options) (answers[o.question_id] ??= []).push(o.id);
	const submitted = await submitAttempt(db, participant, moduleId, attempt.attemptId, answers);
	if (!submitted.ok || !submitted.passed) throw new Error('demo quiz did not pass');
}

function demoReflection(title: string): string {
	return `Reading "${title}" made me think about the choices I made and who they affected. I did not think about the women as people with families and histories. I was thinking only about myself. I understand now that there is no such thing as a victimless purchase, and that my money kept a harmful market going. What I will do differently is to be honest with the people close to me and to get help when I notice the old patterns.`;
}
