// A facilitator unlocks a locked quiz: only for his program's participants, only when it is locked,
// always with a reason, and always audited.
import { expect, it } from 'vitest';
import { clock } from '../../src/lib/server/clock';
import { unlockQuiz } from '../../src/lib/server/facilitation/facilitation.service';
import { loadCourseState } from '../../src/lib/server/learning/evidence';
import { findOwnEnrollment } from '../../src/lib/server/learning/participant';
import { openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { answerKey, forEachDb, moduleIds } from '../../src/lib/server/testing/db-tests';

forEachDb('quiz unlock', (ctx) => {
	async function lockedSetup() {
		clock.set(new Date('2026-11-01T12:00:00Z'));
		const p = await makeProgram(ctx.db);
		const versionId = await makeCurriculum(ctx.db, p.slug, 2);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const [m1] = await moduleIds(ctx.db, versionId);
		for (let i = 0; i < 3; i++) {
			const open = await openAttempt(ctx.db, pat.user, m1);
			if (!open.ok) throw new Error(open.reason);
			await submitAttempt(ctx.db, pat.user, m1, open.attemptId, await answerKey(ctx.db, open.questions, false));
		}
		return { ...p, clerk, facilitator, pat, m1 };
	}

	it('refuses a facilitator of another program, court staff and the participant himself', async () => {
		const s = await lockedSetup();
		const other = await makeProgram(ctx.db);
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		for (const who of [outsider, s.clerk, s.pat.user]) {
			expect(await unlockQuiz(ctx.db, who, s.pat.enrollmentId, s.m1, 'He asked for help')).toEqual({
				ok: false,
				reason: 'not_found'
			});
		}
		expect(await openAttempt(ctx.db, s.pat.user, s.m1)).toEqual({ ok: false, reason: 'quiz_locked' });
	});

	it('requires a reason, and refuses a quiz that is not locked', async () => {
		const s = await lockedSetup();
		expect(await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, s.m1, '  ')).toEqual({
			ok: false,
			reason: 'reason_required'
		});
		expect(
			await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, s.m1, 'Reviewed the module with him by phone')
		).toEqual({ ok: true });
		expect(await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, s.m1, 'Again')).toEqual({
			ok: false,
			reason: 'not_locked'
		});
	});

	it('gives exactly one more attempt, and audits who and why', async () => {
		const s = await lockedSetup();
		await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, s.m1, 'Reviewed the module with him by phone');
		const open = await openAttempt(ctx.db, s.pat.user, s.m1);
		if (!open.ok) throw new Error(open.reason);
		expect(open.attemptNo).toBe(4);
		await submitAttempt(ctx.db, s.pat.user, s.m1, open.attemptId, await answerKey(ctx.db, open.questions, false));
		expect(await openAttempt(ctx.db, s.pat.user, s.m1)).toEqual({ ok: false, reason: 'quiz_locked' });
		const state = await loadCourseState(ctx.db, (await findOwnEnrollment(ctx.db, s.pat.user))!);
		expect(state.modules[0]).toMatchObject({ attemptsUsed: 4, attemptsAllowed: 4, quizLocked: true });
		const entry = await ctx.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'quiz.unlock')
			.executeTakeFirstOrThrow();
		expect(entry).toMatchObject({ actor_id: s.facilitator.id, target_id: s.pat.enrollmentId });
		const unlock = await ctx.db.selectFrom('quiz_unlocks').selectAll().executeTakeFirstOrThrow();
		expect(unlock.reason).toBe('Reviewed the module with him by phone');
	});
});
