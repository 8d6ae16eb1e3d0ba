import { randomInt } from 'node:crypto';

export interface QuizOptionKey {
	id: string;
	isCorrect: boolean;
}
export interface QuizQuestionKey {
	id: string;
	kind: 'single' | 'multiple' | 'true_false';
	options: QuizOptionKey[];
}
/** The order a participant saw, stored with the attempt so a reload shows the same order. */
export type AttemptLayout = { questionId: string; optionIds: string[] }[];

export function shuffled<T>(items: readonly T[], rand: (n: number) => number = randomInt): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = rand(i + 1);
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

export function newLayout(questions: QuizQuestionKey[], rand?: (n: number) => number): AttemptLayout {
	return shuffled(questions, rand).map((q) => ({
		questionId: q.id,
		// True/false keeps its natural order: shuffling "True / False" only confuses.
		optionIds: q.kind === 'true_false' ? q.options.map((o) => o.id) : shuffled(q.options, rand).map((o) => o.id)
	}));
}

export type Answers = Record<string, string[]>;

export interface QuestionResult {
	questionId: string;
	correct: boolean;
	selected: string[];
}
export interface Score {
	correct: number;
	total: number;
	percent: number;
	passed: boolean;
	results: QuestionResult[];
}

/** A question counts as right only when exactly its correct options are chosen. */
export function scoreAttempt(questions: QuizQuestionKey[], answers: Answers, passMark: number): Score {
	const results = questions.map((q) => {
		const valid = new Set(q.options.map((o) => o.id));
		const selected = [...new Set(answers[q.id] ?? [])].filter((id) => valid.has(id));
		const chosen = q.kind === 'multiple' ? selected : selected.slice(0, 1);
		const correctIds = q.options.filter((o) => o.isCorrect).map((o) => o.id);
		const correct = chosen.length === correctIds.length && correctIds.every((id) => chosen.includes(id));
		return { questionId: q.id, correct, selected: chosen };
	});
	const correct = results.filter((r) => r.correct).length;
	const total = questions.length;
	const percent = total === 0 ? 0 : Math.floor((correct * 100) / total);
	return { correct, total, percent, passed: percent >= passMark, results };
}

export function attemptsAllowed(maxAttempts: number, extraFromUnlocks: number): number {
	return maxAttempts + extraFromUnlocks;
}
