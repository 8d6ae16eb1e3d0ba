import { describe, expect, it } from 'vitest';
import { newLayout, scoreAttempt, shuffled, type QuizQuestionKey } from './quiz';

const questions: QuizQuestionKey[] = [
	{
		id: 'q1',
		kind: 'single',
		options: [
			{ id: 'a', isCorrect: true },
			{ id: 'b', isCorrect: false },
			{ id: 'c', isCorrect: false }
		]
	},
	{
		id: 'q2',
		kind: 'multiple',
		options: [
			{ id: 'd', isCorrect: true },
			{ id: 'e', isCorrect: true },
			{ id: 'f', isCorrect: false }
		]
	},
	{
		id: 'q3',
		kind: 'true_false',
		options: [
			{ id: 't', isCorrect: false },
			{ id: 'u', isCorrect: true }
		]
	},
	{
		id: 'q4',
		kind: 'single',
		options: [
			{ id: 'g', isCorrect: false },
			{ id: 'h', isCorrect: true }
		]
	},
	{
		id: 'q5',
		kind: 'single',
		options: [
			{ id: 'i', isCorrect: true },
			{ id: 'j', isCorrect: false }
		]
	}
];

describe('quiz scoring', () => {
	it('counts a multiple-choice question right only with exactly its correct options', () => {
		expect(scoreAttempt(questions, { q2: ['d'] }, 80).results[1].correct).toBe(false);
		expect(scoreAttempt(questions, { q2: ['d', 'e', 'f'] }, 80).results[1].correct).toBe(false);
		expect(scoreAttempt(questions, { q2: ['e', 'd'] }, 80).results[1].correct).toBe(true);
	});

	it('takes only the first answer of a single-choice question, so ticking everything never wins', () => {
		expect(scoreAttempt(questions, { q1: ['b', 'a'] }, 80).results[0].correct).toBe(false);
		expect(scoreAttempt(questions, { q1: ['a', 'b'] }, 80).results[0].correct).toBe(true);
	});

	it('ignores options and questions that are not part of the quiz', () => {
		const s = scoreAttempt(questions, { q1: ['zzz', 'a'], bogus: ['a'] }, 80);
		expect(s.results[0]).toEqual({ questionId: 'q1', correct: true, selected: ['a'] });
		expect(s.total).toBe(5);
	});

	it('passes at the pass mark and not below it, rounding down', () => {
		const four = { q1: ['a'], q2: ['d', 'e'], q3: ['u'], q4: ['h'] };
		expect(scoreAttempt(questions, four, 80)).toMatchObject({ correct: 4, percent: 80, passed: true });
		expect(scoreAttempt(questions, four, 81)).toMatchObject({ passed: false });
		expect(scoreAttempt(questions, {}, 80)).toMatchObject({ correct: 0, percent: 0, passed: false });
	});
});

describe('shuffling', () => {
	it('keeps every question and option exactly once', () => {
		const layout = newLayout(questions);
		expect(layout.map((l) => l.questionId).sort()).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);
		for (const l of layout)
			expect(l.optionIds.sort()).toEqual(
				questions
					.find((q) => q.id === l.questionId)!
					.options.map((o) => o.id)
					.sort()
			);
	});

	it('keeps true / false in its natural order', () => {
		for (let i = 0; i < 20; i++)
			expect(newLayout(questions).find((l) => l.questionId === 'q3')!.optionIds).toEqual(['t', 'u']);
	});

	it('produces different orders across attempts', () => {
		const orders = new Set(Array.from({ length: 30 }, () => shuffled([1, 2, 3, 4, 5, 6]).join('')));
		expect(orders.size).toBeGreaterThan(10);
	});
});
