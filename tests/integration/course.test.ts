import { describe, expect, it } from 'vitest';
import { clock } from '../../src/lib/server/clock';
import { loadCourseState } from '../../src/lib/server/learning/evidence';
import { findOwnEnrollment } from '../../src/lib/server/learning/participant';
import { heartbeat } from '../../src/lib/server/learning/seat-time.service';
import { attemptReview, openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { answerKey, completeModule, forEachDb, moduleIds } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-05-04T08:00:00.000Z');

forEachDb('modules, seat time and quizzes', (ctx) => {
	async function setup(settings: Record<string, unknown> = {}) {
		clock.set(T0);
		const p = await makeProgram(ctx.db, settings);
		const versionId = await makeCurriculum(ctx.db, p.slug, 2);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const [m1, m2] = await moduleIds(ctx.db, versionId);
		return { ...p, clerk, pat, me: pat.user, m1, m2 };
	}

	async function state(user: UserIdentity) {
		return loadCourseState(ctx.db, (await findOwnEnrollment(ctx.db, user))!);
	}

	async function failAttempt(user: UserIdentity, moduleId: string) {
		const open = await openAttempt(ctx.db, user, moduleId);
		if (!open.ok) return open;
		return submitAttempt(ctx.db, user, moduleId, open.attemptId, await answerKey(ctx.db, open.questions, false));
	}

	describe('modules in order', () => {
		it('keeps module 2 locked until module 1 is complete', async () => {
			const s = await setup();
			expect((await state(s.me)).modules.map((m) => m.unlocked)).toEqual([true, false]);
			expect(await heartbeat(ctx.db, s.me, s.m2)).toEqual({ ok: false, reason: 'locked' });
			expect(await openAttempt(ctx.db, s.me, s.m2)).toEqual({ ok: false, reason: 'locked' });
			await completeModule(ctx.db, s.me, s.m1);
			expect((await state(s.me)).modules.map((m) => m.unlocked)).toEqual([true, true]);
			expect((await heartbeat(ctx.db, s.me, s.m2)).ok).toBe(true);
		});

		it('refuses staff and strangers a module of the course', async () => {
			const s = await setup();
			expect(await heartbeat(ctx.db, s.clerk, s.m1)).toEqual({ ok: false, reason: 'no_enrollment' });
			expect(await openAttempt(ctx.db, s.clerk, s.m1)).toEqual({ ok: false, reason: 'no_enrollment' });
			expect(await heartbeat(ctx.db, s.me, 'no-such-module')).toEqual({ ok: false, reason: 'not_found' });
		});
	});

	describe('seat time', () => {
		it('credits at most the time that elapsed, and nothing across a long gap', async () => {
			const s = await setup();
			expect(await heartbeat(ctx.db, s.me, s.m1)).toMatchObject({ ok: true, seatSeconds: 0 });
			clock.advance(10_000);
			const after10 = await heartbeat(ctx.db, s.me, s.m1);
			expect(after10.ok && after10.seatSeconds).toBeLessThanOrEqual(10);
			expect(after10).toMatchObject({ seatSeconds: 10 });
			clock.advance(5 * 60_000); // a hidden or idle tab
			expect(await heartbeat(ctx.db, s.me, s.m1)).toMatchObject({ seatSeconds: 10 });
			clock.advance(15_000);
			expect(await heartbeat(ctx.db, s.me, s.m1)).toMatchObject({ seatSeconds: 25 });
		});

		it('does not count two tabs twice', async () => {
			const s = await setup();
			await heartbeat(ctx.db, s.me, s.m1);
			clock.advance(15_000);
			await Promise.all([heartbeat(ctx.db, s.me, s.m1), heartbeat(ctx.db, s.me, s.m1)]);
			await heartbeat(ctx.db, s.me, s.m1); // a third at the same instant: a zero gap credits nothing
			const row = await ctx.db
				.selectFrom('module_progress')
				.select('seat_seconds')
				.where('module_id', '=', s.m1)
				.executeTakeFirstOrThrow();
			expect(Number(row.seat_seconds)).toBe(15);
		});

		it('answers both tabs when their first heartbeats arrive together', async () => {
			const s = await setup();
			const results = await Promise.all([heartbeat(ctx.db, s.me, s.m1), heartbeat(ctx.db, s.me, s.m1)]);
			expect(results.map((r) => r.ok)).toEqual([true, true]);
		});
	});

	describe('quiz refusals', () => {
		it('refuses to open the quiz before the seat time is met', async () => {
			const s = await setup({ seatTimePercent: 100 });
			expect(await openAttempt(ctx.db, s.me, s.m1)).toEqual({ ok: false, reason: 'seat_time' });
			expect(await ctx.db.selectFrom('quiz_attempts').selectAll().execute()).toHaveLength(0);
		});

		it('never sends which option is correct', async () => {
			const s = await setup();
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const json = JSON.stringify(open);
			expect(json).not.toMatch(/"(isCorrect|is_correct|correct|explanation)"\s*:/);
			for (const q of open.questions) {
				expect(Object.keys(q).sort()).toEqual(['id', 'kind', 'options', 'prompt']);
				for (const o of q.options) expect(Object.keys(o).sort()).toEqual(['id', 'label']);
			}
			expect(await attemptReview(ctx.db, s.me, s.m1, open.attemptId)).toEqual({ ok: false, reason: 'not_found' });
		});

		it("refuses another participant's attempt as not found", async () => {
			const s = await setup();
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const answers = await answerKey(ctx.db, open.questions);
			expect(await submitAttempt(ctx.db, other.user, s.m1, open.attemptId, answers)).toEqual({
				ok: false,
				reason: 'not_found'
			});
			expect(await attemptReview(ctx.db, other.user, s.m1, open.attemptId)).toEqual({ ok: false, reason: 'not_found' });
			const row = await ctx.db
				.selectFrom('quiz_attempts')
				.selectAll()
				.where('id', '=', open.attemptId)
				.executeTakeFirstOrThrow();
			expect(row).toMatchObject({ submitted_at: null, score: null, passed: null });
		});

		it('locks the quiz after 3 failed attempts', async () => {
			const s = await setup();
			for (let i = 1; i <= 3; i++)
				expect(await failAttempt(s.me, s.m1)).toMatchObject({ ok: true, passed: false, percent: 0 });
			expect(await openAttempt(ctx.db, s.me, s.m1)).toEqual({ ok: false, reason: 'quiz_locked' });
			const m = (await state(s.me)).modules[0];
			expect(m).toMatchObject({ quizLocked: true, attemptsUsed: 3, attemptsAllowed: 3 });
		});

		it('refuses a submission with unanswered questions', async () => {
			const s = await setup();
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const answers = await answerKey(ctx.db, open.questions);
			delete answers[open.questions[0].id];
			expect(await submitAttempt(ctx.db, s.me, s.m1, open.attemptId, answers)).toEqual({
				ok: false,
				reason: 'unanswered',
				missing: [open.questions[0].id]
			});
		});

		it('ignores answers for unknown questions and anything that looks like a score', async () => {
			const s = await setup();
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const wrong = await answerKey(ctx.db, open.questions, false);
			const posted = {
				...wrong,
				'not-a-question': ['x'],
				score: ['100'],
				passed: ['1'],
				percent: ['100'],
				submitted_at: ['2000-01-01']
			};
			expect(await submitAttempt(ctx.db, s.me, s.m1, open.attemptId, posted)).toMatchObject({
				ok: true,
				passed: false,
				percent: 0
			});
			const row = await ctx.db
				.selectFrom('quiz_attempts')
				.selectAll()
				.where('id', '=', open.attemptId)
				.executeTakeFirstOrThrow();
			expect({ score: Number(row.score), passed: Number(row.passed) }).toEqual({ score: 0, passed: 0 });
			expect(row.submitted_at).toBe(T0.toISOString());
			expect((await state(s.me)).modules[0].quizPassed).toBe(false);
		});
	});

	describe('quiz behaviour', () => {
		it('scores on the server: 7 of 8 passes, 6 of 8 does not', async () => {
			const s = await setup();
			const first = await openAttempt(ctx.db, s.me, s.m1);
			if (!first.ok) throw new Error(first.reason);
			const right = await answerKey(ctx.db, first.questions);
			const wrong = await answerKey(ctx.db, first.questions, false);
			const ids = first.questions.map((q) => q.id);
			const mix = (nWrong: number) => Object.fromEntries(ids.map((id, i) => [id, i < nWrong ? wrong[id] : right[id]]));
			expect(await submitAttempt(ctx.db, s.me, s.m1, first.attemptId, mix(2))).toMatchObject({
				ok: true,
				passed: false,
				percent: 75
			});
			const second = await openAttempt(ctx.db, s.me, s.m1);
			if (!second.ok) throw new Error(second.reason);
			expect(second.attemptNo).toBe(2);
			expect(await submitAttempt(ctx.db, s.me, s.m1, second.attemptId, mix(1))).toMatchObject({
				ok: true,
				passed: true,
				percent: 87
			});
			expect(await openAttempt(ctx.db, s.me, s.m1)).toEqual({ ok: false, reason: 'passed' });
		});

		it('counts a double submit once', async () => {
			const s = await setup();
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const answers = await answerKey(ctx.db, open.questions, false);
			const results = await Promise.all([
				submitAttempt(ctx.db, s.me, s.m1, open.attemptId, answers),
				submitAttempt(ctx.db, s.me, s.m1, open.attemptId, answers)
			]);
			expect(results.map((r) => r.ok && r.alreadySubmitted).sort()).toEqual([false, true]);
			expect(
				await submitAttempt(ctx.db, s.me, s.m1, open.attemptId, await answerKey(ctx.db, open.questions))
			).toMatchObject({ ok: true, passed: false, alreadySubmitted: true });
			expect((await state(s.me)).modules[0].attemptsUsed).toBe(1);
			const audits = await ctx.db.selectFrom('audit_log').select('seq').where('action', '=', 'quiz.submit').execute();
			expect(audits).toHaveLength(1);
		});

		it('stores the shuffled order and shows the same order on every reload', async () => {
			const s = await setup();
			const a = await openAttempt(ctx.db, s.me, s.m1);
			const b = await openAttempt(ctx.db, s.me, s.m1);
			if (!a.ok || !b.ok) throw new Error('open failed');
			expect(b.attemptId).toBe(a.attemptId);
			expect(b.questions).toEqual(a.questions);
			const row = await ctx.db
				.selectFrom('quiz_attempts')
				.select('layout_json')
				.where('id', '=', a.attemptId)
				.executeTakeFirstOrThrow();
			const layout = JSON.parse(row.layout_json) as { questionId: string; optionIds: string[] }[];
			expect(layout.map((l) => l.questionId)).toEqual(a.questions.map((q) => q.id));
			expect(layout.map((l) => l.optionIds)).toEqual(a.questions.map((q) => q.options.map((o) => o.id)));
			expect(await ctx.db.selectFrom('quiz_attempts').selectAll().execute()).toHaveLength(1);
		});

		it('opens one attempt when two tabs open the quiz together', async () => {
			const s = await setup();
			const [a, b] = await Promise.all([openAttempt(ctx.db, s.me, s.m1), openAttempt(ctx.db, s.me, s.m1)]);
			expect(a.ok && b.ok && a.attemptId === b.attemptId).toBe(true);
			expect(await ctx.db.selectFrom('quiz_attempts').selectAll().execute()).toHaveLength(1);
		});

		it('shows, after submission, which answers were wrong with explanations', async () => {
			const s = await setup();
			const open = await openAttempt(ctx.db, s.me, s.m1);
			if (!open.ok) throw new Error(open.reason);
			const answers = await answerKey(ctx.db, open.questions);
			answers[open.questions[0].id] = (await answerKey(ctx.db, open.questions, false))[open.questions[0].id];
			await submitAttempt(ctx.db, s.me, s.m1, open.attemptId, answers);
			const review = await attemptReview(ctx.db, s.me, s.m1, open.attemptId);
			if (!review.ok) throw new Error(review.reason);
			expect(review.questions.map((q) => q.correct)).toEqual([false, true, true, true, true, true, true, true]);
			expect(review.questions[0].explanation).toMatch(/^Explanation \d$/);
		});
	});
});
