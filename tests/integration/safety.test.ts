// Safety flags on reflections. Who may not first: the participant, court staff and another program's
// staff neither see nor raise nor resolve them; then the phrase screen, the queue and the resolution.
import { expect, it } from 'vitest';
import { openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import { gradingQueue } from '../../src/lib/server/facilitation/grading-queue';
import { openSafetyCount, raiseFlag, resolveFlag, safetyQueue } from '../../src/lib/server/facilitation/safety.service';
import { submitReflection } from '../../src/lib/server/reflections/reflection.service';
import { purgeCandidates, purgeEnrollment } from '../../src/lib/server/privacy/retention';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { answerKey, completeModule, forEachDb, moduleIds } from '../../src/lib/server/testing/db-tests';

const WORRYING =
	'I keep thinking about it and sometimes I want to end it all. She said she was 16 years old and I went anyway, and I understand now what harm that did.';

forEachDb('safety flags', (ctx) => {
	async function world() {
		const p = await makeProgram(ctx.db, { retentionDays: 30 });
		const versionId = await makeCurriculum(ctx.db, p.slug, 2);
		const other = await makeProgram(ctx.db);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const facilitator2 = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		const calm = await makeParticipant(ctx.db, clerk, p.courtId);
		const worried = await makeParticipant(ctx.db, clerk, p.courtId);
		const [m1] = await moduleIds(ctx.db, versionId);
		const [calmSubmission] = await completeModule(ctx.db, calm.user, m1);
		// The worried participant's answer is the one the screen must catch.
		const open = await openAttempt(ctx.db, worried.user, m1);
		if (!open.ok) throw new Error(open.reason);
		await submitAttempt(ctx.db, worried.user, m1, open.attemptId, await answerKey(ctx.db, open.questions));
		const prompt = await ctx.db
			.selectFrom('reflection_prompts')
			.select('id')
			.where('module_id', '=', m1)
			.orderBy('position')
			.executeTakeFirstOrThrow();
		expect((await submitReflection(ctx.db, worried.user, m1, prompt.id, WORRYING)).ok).toBe(true);
		const worriedSubmission = (
			await ctx.db
				.selectFrom('reflection_submissions')
				.select('id')
				.where('enrollment_id', '=', worried.enrollmentId)
				.executeTakeFirstOrThrow()
		).id;
		return { ...p, clerk, facilitator, facilitator2, outsider, calm, worried, calmSubmission, worriedSubmission };
	}

	it('is neither seen, raised nor resolved by the participant, court staff or another program', async () => {
		const w = await world();
		for (const who of [w.calm.user, w.clerk, w.outsider]) {
			expect(
				await raiseFlag(ctx.db, who, w.calmSubmission, { category: 'threat', note: 'Worrying words here.' })
			).toEqual({ ok: false, reason: 'not_found' });
			expect(await openSafetyCount(ctx.db, who)).toBe(0);
		}
		expect(await safetyQueue(ctx.db, w.clerk)).toBeUndefined();
		expect((await safetyQueue(ctx.db, w.outsider))!.open).toEqual([]);
		const [flag] = (await safetyQueue(ctx.db, w.facilitator))!.open;
		for (const who of [w.worried.user, w.clerk, w.outsider])
			expect(await resolveFlag(ctx.db, who, flag.id, 'Handled it by phone today.')).toEqual({
				ok: false,
				reason: 'not_found'
			});
	});

	it('is raised by the phrase screen when such an answer is submitted, and puts that answer first in the grading queue', async () => {
		const w = await world();
		const q = (await safetyQueue(ctx.db, w.facilitator))!;
		expect(q.open.map((f) => [f.submission_id, f.category]).sort()).toEqual([
			[w.worriedSubmission, 'minor'],
			[w.worriedSubmission, 'self_harm']
		]);
		expect(q.open.every((f) => f.raised_by_name === null)).toBe(true);
		expect(await openSafetyCount(ctx.db, w.facilitator)).toBe(2);
		const queue = await gradingQueue(ctx.db, w.facilitator);
		expect(queue[0]).toMatchObject({ id: w.worriedSubmission, safetyFlagged: true });
		expect(queue.find((i) => i.id === w.calmSubmission)?.safetyFlagged).toBe(false);
	});

	it('is raised by staff with a note, and closed once with what was done', async () => {
		const w = await world();
		expect(
			await raiseFlag(ctx.db, w.facilitator, w.calmSubmission, { category: 'weather', note: 'Not a category.' })
		).toEqual({ ok: false, reason: 'bad_category' });
		expect(await raiseFlag(ctx.db, w.facilitator, w.calmSubmission, { category: 'threat', note: ' ' })).toEqual({
			ok: false,
			reason: 'note_required'
		});
		const raised = await raiseFlag(
			ctx.db,
			w.facilitator,
			w.calmSubmission,
			{ category: 'threat', note: 'He wrote about his ex-partner in a way that worried me.' },
			'10.1.1.1'
		);
		if (!raised.ok) throw new Error(raised.reason);
		expect(await resolveFlag(ctx.db, w.facilitator, raised.id, 'short')).toEqual({
			ok: false,
			reason: 'resolution_required'
		});
		const both = await Promise.all([
			resolveFlag(
				ctx.db,
				w.facilitator,
				raised.id,
				'Called him; referred to the program lead and his probation officer.'
			),
			resolveFlag(ctx.db, w.facilitator2, raised.id, 'Talked with him after the group session.')
		]);
		expect(both.filter((r) => r.ok)).toHaveLength(1);
		expect(both.find((r) => !r.ok)).toEqual({ ok: false, reason: 'already_resolved' });
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'details_json'])
			.where('action', 'in', ['safety.flag', 'safety.resolve'])
			.execute();
		expect(audits.filter((a) => a.action === 'safety.flag')).toHaveLength(3);
		expect(audits.filter((a) => a.action === 'safety.resolve')).toHaveLength(1);
		// Ids and the category only: never the note or the participant's words.
		expect(audits.map((a) => a.details_json).join(' ')).not.toMatch(/worried me|end it all|probation/);
	});

	it('loses its notes with the rest of his record when the retention period ends', async () => {
		const w = await world();
		const raised = await raiseFlag(ctx.db, w.facilitator, w.worriedSubmission, {
			category: 'other',
			note: 'A note only staff should read.'
		});
		if (!raised.ok) throw new Error(raised.reason);
		const [due] = (await purgeCandidates(ctx.db, new Date('2100-01-01'))).filter(
			(c) => c.enrollmentId === w.worried.enrollmentId
		);
		expect((await purgeEnrollment(ctx.db, due)).purged).toBe(true);
		const rows = await ctx.db
			.selectFrom('safety_flags')
			.select(['note', 'resolution'])
			.where('enrollment_id', '=', w.worried.enrollmentId)
			.execute();
		expect(rows.every((r) => r.note === null && r.resolution === null)).toBe(true);
		expect(await openSafetyCount(ctx.db, w.facilitator)).toBe(0);
	});
});
