// The stored unlock (src/lib/server/learning/unlocks.ts) must decide exactly as the full computation
// does: sequences of events, drawn at random from a fixed seed, compare the two after every event.
import { expect, it } from 'vitest';
import { clock } from '../../src/lib/server/clock';
import { unlockQuiz } from '../../src/lib/server/facilitation/facilitation.service';
import { loadCourseState } from '../../src/lib/server/learning/evidence';
import { heartbeat } from '../../src/lib/server/learning/seat-time.service';
import { mayStudy, unlockedThrough, unlockStamp } from '../../src/lib/server/learning/unlocks';
import { attemptReview, openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import { gradeReflection, saveDraft, submitReflection } from '../../src/lib/server/reflections/reflection.service';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { answerKey, completeModule, forEachDb, moduleIds } from '../../src/lib/server/testing/db-tests';

/** A small seeded generator (mulberry32): the same seed, the same sequence of events. */
function random(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const REFLECTION = 'An honest and specific reflection on what this module taught me.';

forEachDb('stored unlock', (ctx) => {
	async function setup(settings: Record<string, unknown> = { seatTimePercent: 10 }) {
		clock.set(new Date('2026-06-01T09:00:00Z'));
		const p = await makeProgram(ctx.db, settings);
		const versionId = await makeCurriculum(ctx.db, p.slug, 3);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		return { ...p, facilitator, pat, me: pat.user, modules: await moduleIds(ctx.db, versionId) };
	}
	type Setup = Awaited<ReturnType<typeof setup>>;

	async function enrollment(s: Setup) {
		return ctx.db.selectFrom('enrollments').selectAll().where('id', '=', s.pat.enrollmentId).executeTakeFirstOrThrow();
	}

	/** The stored value is the full computation's, stamped with what it was computed against. */
	async function expectStoredCurrent(s: Setup, after: string) {
		const e = await enrollment(s);
		const state = await loadCourseState(ctx.db, e);
		expect(
			{ through: e.unlocked_through === null ? null : Number(e.unlocked_through), stamp: e.unlocked_stamp },
			after
		).toEqual({ through: unlockedThrough(state), stamp: unlockStamp(e.curriculum_version_id, state.settingsJson) });
	}

	/** The hot path's yes or no, for every module, is the full computation's. */
	async function expectSameAnswers(s: Setup, after: string) {
		const state = await loadCourseState(ctx.db, await enrollment(s));
		for (const m of state.modules) {
			const hot = await mayStudy(ctx.db, s.me, m.moduleId);
			expect(hot.ok ? 'open' : hot.reason, `${after}: module ${m.position}`).toBe(m.unlocked ? 'open' : 'locked');
			if (hot.ok)
				expect(hot.module, `${after}: module ${m.position}`).toEqual({
					moduleId: m.moduleId,
					position: m.position,
					requiredSeconds: m.requiredSeconds,
					quizId: m.quizId,
					passMark: m.passMark
				});
		}
	}

	async function promptOf(moduleId: string) {
		return ctx.db
			.selectFrom('reflection_prompts')
			.select('id')
			.where('module_id', '=', moduleId)
			.executeTakeFirstOrThrow();
	}

	/** One event, drawn at random; returns its name, or null when it changed nothing outside the services. */
	async function event(s: Setup, next: () => number): Promise<{ name: string; outside: boolean }> {
		const state = await loadCourseState(ctx.db, await enrollment(s));
		const frontier = state.modules.filter((m) => m.unlocked).at(-1)!;
		// Mostly the module he is on; now and then any module, locked ones too.
		const m = next() < 0.8 ? frontier : state.modules[Math.floor(next() * state.modules.length)];
		const r = next();
		if (r < 0.45) {
			clock.advance(15_000);
			await heartbeat(ctx.db, s.me, m.moduleId);
			return { name: `heartbeat on module ${m.position}`, outside: false };
		}
		if (r < 0.6) {
			const open = await openAttempt(ctx.db, s.me, m.moduleId);
			if (open.ok) {
				const pass = next() < 0.7;
				await submitAttempt(ctx.db, s.me, m.moduleId, open.attemptId, await answerKey(ctx.db, open.questions, pass));
				return { name: `quiz ${pass ? 'passed' : 'failed'} on module ${m.position}`, outside: false };
			}
			return { name: `quiz refused (${open.reason}) on module ${m.position}`, outside: false };
		}
		if (r < 0.72) {
			const prompt = await promptOf(m.moduleId);
			await saveDraft(ctx.db, s.me, m.moduleId, prompt.id, 'half a thought');
			const sent = await submitReflection(ctx.db, s.me, m.moduleId, prompt.id, REFLECTION);
			return { name: `reflection (${sent.ok ? 'sent' : sent.reason}) on module ${m.position}`, outside: false };
		}
		if (r < 0.84) {
			const pending = await ctx.db
				.selectFrom('reflection_submissions')
				.select('id')
				.where('enrollment_id', '=', s.pat.enrollmentId)
				.where('status', '=', 'submitted')
				.orderBy('submitted_at')
				.executeTakeFirst();
			if (!pending) return { name: 'nothing to grade', outside: false };
			const outcome = next() < 0.7 ? 'satisfactory' : 'needs_revision';
			await gradeReflection(ctx.db, s.facilitator, {
				submissionId: pending.id,
				outcome,
				feedback: 'Say more about who it affected.',
				rubric: {}
			});
			return { name: `graded ${outcome}`, outside: false };
		}
		if (r < 0.9) {
			const u = await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, m.moduleId, 'Went through it with him');
			return { name: `quiz unlock (${u.ok ? 'granted' : u.reason}) on module ${m.position}`, outside: false };
		}
		if (r < 0.95) {
			// No service changes the seat-time share today; a direct change stands for any that ever does,
			// and for a refresh that was missed: the stamp must catch it.
			const percent = [0, 10, 20][Math.floor(next() * 3)];
			await ctx.db
				.updateTable('programs')
				.set({ settings_json: JSON.stringify({ seatTimePercent: percent }) })
				.where('id', '=', s.programId)
				.execute();
			return { name: `seat time set to ${percent}% outside the services`, outside: true };
		}
		// A refresh that was missed, the other way: a stored value lower than the truth.
		await ctx.db.updateTable('enrollments').set({ unlocked_through: 0 }).where('id', '=', s.pat.enrollmentId).execute();
		return { name: 'stored value lowered outside the services', outside: true };
	}

	for (const seed of [1, 2, 4, 5]) {
		it(`keeps the stored value equal to the full computation after every event (seed ${seed})`, async () => {
			const s = await setup();
			await expectStoredCurrent(s, 'after activation');
			const next = random(seed);
			const seen: string[] = [];
			let furthest = 0;
			for (let i = 0; i < 60; i++) {
				const { name, outside } = await event(s, next);
				seen.push(name);
				const after = `after event ${i + 1} (${name})`;
				// An event of the services keeps it current; one outside them leaves it stale, and the
				// answers must still be the full computation's (which stores it again).
				if (!outside) await expectStoredCurrent(s, after);
				await expectSameAnswers(s, after);
				await expectStoredCurrent(s, `${after}, once asked`);
				furthest = Math.max(furthest, Number((await enrollment(s)).unlocked_through));
			}
			// The sequence went somewhere: a quiz passed and a module past the first opened on the way.
			expect(seen.some((n) => n.startsWith('quiz passed'))).toBe(true);
			expect(furthest).toBeGreaterThanOrEqual(2);
		}, 120_000);
	}

	it('opens the next module on the heartbeat that crosses the minimum, and not before', async () => {
		const s = await setup({ seatTimePercent: 10 }); // 60 of the module's 600 s
		const [m1, m2] = s.modules;
		expect(await mayStudy(ctx.db, s.me, m2)).toEqual({ ok: false, reason: 'locked' });
		await heartbeat(ctx.db, s.me, m1);
		for (let i = 0; i < 3; i++) {
			clock.advance(15_000);
			await heartbeat(ctx.db, s.me, m1);
		}
		// 45 s: the quiz cannot open yet, so nothing past module 1 can be open.
		expect(await openAttempt(ctx.db, s.me, m1)).toEqual({ ok: false, reason: 'seat_time' });
		clock.advance(15_000);
		expect(await heartbeat(ctx.db, s.me, m1)).toMatchObject({ ok: true, seatSeconds: 60, requiredSeconds: 60 });
		await completeModule(ctx.db, s.me, m1);
		expect(Number((await enrollment(s)).unlocked_through)).toBe(2);
		expect((await heartbeat(ctx.db, s.me, m2)).ok).toBe(true);
	});

	it('refuses, from a stale stored value, what a settings change has locked again', async () => {
		const s = await setup({ seatTimePercent: 0 });
		const [m1, m2] = s.modules;
		await completeModule(ctx.db, s.me, m1);
		expect((await heartbeat(ctx.db, s.me, m2)).ok).toBe(true);
		expect(Number((await enrollment(s)).unlocked_through)).toBe(2);
		// Module 1 now needs its full 600 s, which he does not have: module 2 is locked again.
		await ctx.db
			.updateTable('programs')
			.set({ settings_json: JSON.stringify({ seatTimePercent: 100 }) })
			.where('id', '=', s.programId)
			.execute();
		expect(await heartbeat(ctx.db, s.me, m2)).toEqual({ ok: false, reason: 'locked' });
		expect(await saveDraft(ctx.db, s.me, m2, (await promptOf(m2)).id, 'x')).toEqual({ ok: false, reason: 'locked' });
		expect(Number((await enrollment(s)).unlocked_through)).toBe(1);
	});

	it('computes the value on first use for an enrollment that has none (older than migration 0023)', async () => {
		const s = await setup({ seatTimePercent: 0 });
		const [m1, m2] = s.modules;
		await completeModule(ctx.db, s.me, m1);
		await ctx.db
			.updateTable('enrollments')
			.set({ unlocked_through: null, unlocked_stamp: null })
			.where('id', '=', s.pat.enrollmentId)
			.execute();
		expect((await heartbeat(ctx.db, s.me, m2)).ok).toBe(true);
		await expectStoredCurrent(s, 'after the first heartbeat');
	});

	it('answers a draft for a prompt of another module, or an unknown one, as not found', async () => {
		const s = await setup({ seatTimePercent: 0 });
		const [m1, m2] = s.modules;
		const other = await promptOf(m2);
		expect(await saveDraft(ctx.db, s.me, m1, other.id, 'x')).toEqual({ ok: false, reason: 'not_found' });
		expect(await saveDraft(ctx.db, s.me, m1, 'no-such-prompt', 'x')).toEqual({ ok: false, reason: 'not_found' });
		// Locked comes first, as before: a locked module's own prompt and a stranger's alike.
		expect(await saveDraft(ctx.db, s.me, m2, other.id, 'x')).toEqual({ ok: false, reason: 'locked' });
		expect((await saveDraft(ctx.db, s.me, m1, (await promptOf(m1)).id, 'x')).ok).toBe(true);
	});

	it('keeps the verdicts of a submit with the attempt, and the review shows them', async () => {
		const s = await setup({ seatTimePercent: 0 });
		const [m1] = s.modules;
		const open = await openAttempt(ctx.db, s.me, m1);
		if (!open.ok) throw new Error(open.reason);
		const answers = await answerKey(ctx.db, open.questions);
		const wrongId = open.questions[2].id;
		answers[wrongId] = (await answerKey(ctx.db, open.questions, false))[wrongId];
		await submitAttempt(ctx.db, s.me, m1, open.attemptId, answers);
		const row = await ctx.db
			.selectFrom('quiz_attempts')
			.select('results_json')
			.where('id', '=', open.attemptId)
			.executeTakeFirstOrThrow();
		const stored = JSON.parse(row.results_json!) as string[];
		expect(stored.sort()).toEqual(
			open.questions
				.map((q) => q.id)
				.filter((id) => id !== wrongId)
				.sort()
		);

		const review = await attemptReview(ctx.db, s.me, m1, open.attemptId);
		// An attempt without stored verdicts (submitted before migration 0023) is scored again: the same review.
		await ctx.db.updateTable('quiz_attempts').set({ results_json: null }).where('id', '=', open.attemptId).execute();
		expect(await attemptReview(ctx.db, s.me, m1, open.attemptId)).toEqual(review);
		if (!review.ok) throw new Error(review.reason);
		expect(review.questions.map((q) => q.correct)).toEqual(open.questions.map((q) => q.id !== wrongId));
		// And the verdicts shown are the stored ones, not a fresh scoring.
		await ctx.db.updateTable('quiz_attempts').set({ results_json: '[]' }).where('id', '=', open.attemptId).execute();
		const tampered = await attemptReview(ctx.db, s.me, m1, open.attemptId);
		expect(tampered.ok && tampered.questions.every((q) => !q.correct)).toBe(true);
		// Never which option is right: only what he chose, and the explanations of his choices.
		expect(JSON.stringify(review)).not.toMatch(/"(isCorrect|is_correct|correctIds)"\s*:/);
	});
});
