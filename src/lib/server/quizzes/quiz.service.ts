import {
	newLayout,
	scoreAttempt,
	type Answers,
	type AttemptLayout,
	type QuestionResult,
	type QuizQuestionKey
} from '../../domain/quiz';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { ownModule } from '../learning/participant';
import { mayStudy, refreshUnlocked } from '../learning/unlocks';

/** What the browser may see of a question before submission: never which option is correct. */
export interface PublicQuestion {
	id: string;
	kind: 'single' | 'multiple' | 'true_false';
	prompt: string;
	options: { id: string; label: string }[];
}

async function loadKeys(db: Db, quizId: string) {
	const questions = await db
		.selectFrom('quiz_questions')
		.selectAll()
		.where('quiz_id', '=', quizId)
		.orderBy('position')
		.execute();
	const options = questions.length
		? await db
				.selectFrom('quiz_options')
				.selectAll()
				.where(
					'question_id',
					'in',
					questions.map((q) => q.id)
				)
				.orderBy('position')
				.execute()
		: [];
	return questions.map((q) => ({ ...q, options: options.filter((o) => o.question_id === q.id) }));
}

function toKey(q: Awaited<ReturnType<typeof loadKeys>>[number]): QuizQuestionKey {
	return { id: q.id, kind: q.kind, options: q.options.map((o) => ({ id: o.id, isCorrect: o.is_correct === 1 })) };
}

export type OpenAttemptResult =
	| {
			ok: true;
			attemptId: string;
			attemptNo: number;
			attemptsAllowed: number;
			passMark: number;
			questions: PublicQuestion[];
	  }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' | 'seat_time' | 'passed' | 'quiz_locked' };

/** Resume the open attempt or start the next one, with a fresh shuffle stored for it. */
export async function openAttempt(db: Db, user: UserIdentity, moduleId: string): Promise<OpenAttemptResult> {
	const access = await ownModule(db, user, moduleId);
	if (!access.ok) return access;
	const m = access.module;
	if (m.quizPassed) return { ok: false, reason: 'passed' };
	if (m.seatSeconds < m.requiredSeconds) return { ok: false, reason: 'seat_time' };
	const enrollmentId = access.state.enrollment.id;
	const keys = await loadKeys(db, m.quizId);

	let attempt = await db
		.selectFrom('quiz_attempts')
		.select(['id', 'attempt_no', 'layout_json'])
		.where('enrollment_id', '=', enrollmentId)
		.where('quiz_id', '=', m.quizId)
		.where('submitted_at', 'is', null)
		.executeTakeFirst();
	if (!attempt) {
		if (m.quizLocked) return { ok: false, reason: 'quiz_locked' };
		const layout = newLayout(keys.map(toKey));
		const row = { id: newId(), attempt_no: m.attemptsUsed + 1, layout_json: JSON.stringify(layout) };
		try {
			await db
				.insertInto('quiz_attempts')
				.values({
					...row,
					enrollment_id: enrollmentId,
					quiz_id: m.quizId,
					started_at: clock.iso(),
					submitted_at: null,
					answers_json: null,
					score: null,
					passed: null,
					results_json: null
				})
				.execute();
			attempt = row;
		} catch (e) {
			if (!isUniqueViolation(e)) throw e;
			return openAttempt(db, user, moduleId); // another tab started it first
		}
	}
	const layout = JSON.parse(attempt.layout_json) as AttemptLayout;
	const questions = layout.map((l) => {
		const q = keys.find((k) => k.id === l.questionId)!;
		return {
			id: q.id,
			kind: q.kind,
			prompt: q.prompt,
			options: l.optionIds.map((oid) => {
				const o = q.options.find((x) => x.id === oid)!;
				return { id: o.id, label: o.label };
			})
		};
	});
	return {
		ok: true,
		attemptId: attempt.id,
		attemptNo: attempt.attempt_no,
		attemptsAllowed: m.attemptsAllowed,
		passMark: m.passMark,
		questions
	};
}

export type SubmitResult =
	| { ok: true; attemptId: string; passed: boolean; percent: number; alreadySubmitted: boolean }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' | 'unanswered'; missing?: string[] };

export async function submitAttempt(
	db: Db,
	user: UserIdentity,
	moduleId: string,
	attemptId: string,
	answers: Answers,
	ip?: string
): Promise<SubmitResult> {
	// Only his quiz and its pass mark are needed here; the full state is read once, after the write.
	const access = await mayStudy(db, user, moduleId);
	if (!access.ok) return access;
	const m = access.module;
	const attempt = await db
		.selectFrom('quiz_attempts')
		.selectAll()
		.where('id', '=', attemptId)
		.where('enrollment_id', '=', access.enrollmentId)
		.where('quiz_id', '=', m.quizId)
		.executeTakeFirst();
	if (!attempt) return { ok: false, reason: 'not_found' };
	if (attempt.submitted_at)
		return {
			ok: true,
			attemptId,
			passed: attempt.passed === 1,
			percent: Number(attempt.score),
			alreadySubmitted: true
		};

	const keys = (await loadKeys(db, m.quizId)).map(toKey);
	const missing = keys.filter((q) => !answers[q.id]?.length).map((q) => q.id);
	if (missing.length) return { ok: false, reason: 'unanswered', missing };
	const score = scoreAttempt(keys, answers, m.passMark);

	const counted = await db.transaction().execute(async (trx) => {
		// Only the first of a double submit or a replay is counted.
		const res = await trx
			.updateTable('quiz_attempts')
			.set({
				submitted_at: clock.iso(),
				answers_json: JSON.stringify(Object.fromEntries(score.results.map((r) => [r.questionId, r.selected]))),
				score: score.percent,
				passed: score.passed ? 1 : 0,
				// The review shows these: kept, so it need not score the answers again.
				results_json: JSON.stringify(score.results.filter((r) => r.correct).map((r) => r.questionId))
			})
			.where('id', '=', attemptId)
			.where('submitted_at', 'is', null)
			.executeTakeFirst();
		if (Number(res.numUpdatedRows) !== 1) return false;
		await audit(trx, {
			actorId: user.id,
			action: 'quiz.submit',
			targetType: 'quiz_attempt',
			targetId: attemptId,
			ip,
			details: { score: score.percent, passed: score.passed }
		});
		// A passed quiz can complete the module (src/lib/domain/completion.ts); a failed one counts an attempt.
		await refreshUnlocked(trx, access.enrollmentId);
		return true;
	});
	if (!counted) {
		const again = await db
			.selectFrom('quiz_attempts')
			.select(['passed', 'score'])
			.where('id', '=', attemptId)
			.executeTakeFirstOrThrow();
		return { ok: true, attemptId, passed: again.passed === 1, percent: Number(again.score), alreadySubmitted: true };
	}
	return { ok: true, attemptId, passed: score.passed, percent: score.percent, alreadySubmitted: false };
}

/**
 * What the submit scored, as scoreAttempt's results: the selection is answers_json (stored as scored),
 * the verdicts results_json. Null for an attempt that has no verdicts stored (submitted before
 * migration 0023, or purged): the caller scores it again, as the review always did.
 */
function storedResults(resultsJson: string | null, answers: Answers): QuestionResult[] | null {
	if (resultsJson === null) return null;
	const correct = new Set(JSON.parse(resultsJson) as string[]);
	return Object.entries(answers).map(([questionId, selected]) => ({
		questionId,
		correct: correct.has(questionId),
		selected
	}));
}

export interface ReviewQuestion {
	prompt: string;
	kind: string;
	correct: boolean;
	explanation: string;
	options: { label: string; selected: boolean; explanation: string | null }[];
}

/** After submission only: which answers were wrong, with explanations. */
export async function attemptReview(db: Db, user: UserIdentity, moduleId: string, attemptId: string) {
	const access = await ownModule(db, user, moduleId);
	if (!access.ok) return access;
	const attempt = await db
		.selectFrom('quiz_attempts')
		.selectAll()
		.where('id', '=', attemptId)
		.where('enrollment_id', '=', access.state.enrollment.id)
		.where('quiz_id', '=', access.module.quizId)
		.executeTakeFirst();
	if (!attempt || !attempt.submitted_at) return { ok: false as const, reason: 'not_found' as const };
	const keys = await loadKeys(db, access.module.quizId);
	const answers = JSON.parse(attempt.answers_json ?? '{}') as Answers;
	const results =
		storedResults(attempt.results_json, answers) ??
		scoreAttempt(keys.map(toKey), answers, access.module.passMark).results;
	const layout = JSON.parse(attempt.layout_json) as AttemptLayout;
	const questions: ReviewQuestion[] = layout.map((l) => {
		const q = keys.find((k) => k.id === l.questionId)!;
		const r = results.find((x) => x.questionId === q.id) ?? { questionId: q.id, correct: false, selected: [] };
		return {
			prompt: q.prompt,
			kind: q.kind,
			correct: r.correct,
			explanation: q.explanation,
			options: l.optionIds.map((oid) => {
				const o = q.options.find((x) => x.id === oid)!;
				return {
					label: o.label,
					selected: r.selected.includes(o.id),
					explanation: r.selected.includes(o.id) ? o.explanation : null
				};
			})
		};
	});
	return {
		ok: true as const,
		module: access.module,
		attemptNo: attempt.attempt_no,
		percent: Number(attempt.score),
		passed: attempt.passed === 1,
		questions
	};
}
