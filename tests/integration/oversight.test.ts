// The facilitator's oversight: the grading queue and its count, the participants list (progress,
// standing, last activity) read in set queries, a participant's timeline, case notes and court-approved
// due-date extensions. Each area starts with who may not.
import type { KyselyPlugin } from 'kysely';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { clock } from '../../src/lib/server/clock';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { listReferrals, viewReferral } from '../../src/lib/server/court/court.service';
import { packetFacts } from '../../src/lib/server/court/evidence-packet.service';
import { referralsCsv } from '../../src/lib/server/court/export';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import {
	addCaseNote,
	caseNotes,
	dueDateExtensions,
	extendDueDate
} from '../../src/lib/server/facilitation/case-file.service';
import {
	participantRecord,
	recordFee,
	submissionForGrading,
	unlockQuiz
} from '../../src/lib/server/facilitation/facilitation.service';
import {
	gradingQueue,
	gradingQueueCount,
	gradingQueueFilters,
	parseQueueFilters
} from '../../src/lib/server/facilitation/grading-queue';
import { participantRow, participantsOverview, type ParticipantRow } from '../../src/lib/server/facilitation/oversight';
import { participantDashboard } from '../../src/lib/server/learning/dashboard';
import { loadCourseState, loadCourseStates } from '../../src/lib/server/learning/evidence';
import { heartbeat } from '../../src/lib/server/learning/seat-time.service';
import { openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import {
	gradeReflection,
	reflectionsForModule,
	submitReflection
} from '../../src/lib/server/reflections/reflection.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { answerKey, completeModule, forEachDb, moduleIds } from '../../src/lib/server/testing/db-tests';
import { referenceCourseState } from '../../src/lib/server/testing/reference-course-state';

// 10:00 in Chicago: "today" for the courts is 2026-06-10.
const T0 = new Date('2026-06-10T15:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => clock.set(new Date(T0.getTime() + ms));
const REVISED =
	'A revised reflection: I will tell my partner the truth and I have booked a first counselling appointment.';

forEachDb('facilitator oversight', (ctx) => {
	async function setup(settings: Record<string, unknown> = {}, modules = 2) {
		clock.set(T0);
		const p = await makeProgram(ctx.db, settings);
		const versionId = await makeCurriculum(ctx.db, p.slug, modules);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const other = await makeProgram(ctx.db);
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		return { ...p, versionId, clerk, facilitator, pat, outsider, mods: await moduleIds(ctx.db, versionId) };
	}
	type Setup = Awaited<ReturnType<typeof setup>>;
	const deniedTo = (s: Setup): [string, UserIdentity][] => [
		['the participant', s.pat.user],
		['court staff of his court', s.clerk],
		['a facilitator of another program', s.outsider]
	];
	const setDue = (enrollmentId: string, due: string) =>
		ctx.db.updateTable('enrollments').set({ due_date: due }).where('id', '=', enrollmentId).execute();
	const auditOf = (action: string) =>
		ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
	const enrollment = (id: string) =>
		ctx.db.selectFrom('enrollments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
	const promptOf = async (moduleId: string) =>
		(
			await ctx.db
				.selectFrom('reflection_prompts')
				.select('id')
				.where('module_id', '=', moduleId)
				.executeTakeFirstOrThrow()
		).id;

	describe('who may not', () => {
		it('shows a participant, court staff and a facilitator of another program no grading queue, no count and no submission', async () => {
			const s = await setup();
			const [sub] = await completeModule(ctx.db, s.pat.user, s.mods[0]);
			expect(await gradingQueueCount(ctx.db, s.facilitator)).toBe(1);
			for (const [who, user] of deniedTo(s)) {
				expect(await gradingQueue(ctx.db, user), who).toEqual([]);
				expect(await gradingQueue(ctx.db, user, { participant: s.pat.enrollmentId }), who).toEqual([]);
				expect(await gradingQueueCount(ctx.db, user), who).toBe(0);
				expect(await gradingQueueFilters(ctx.db, user), who).toEqual({ modules: [], participants: [] });
				expect(await submissionForGrading(ctx.db, user, sub), who).toBeUndefined();
			}
		});

		it('lists no participants for them and opens no record, logging no view', async () => {
			const s = await setup();
			for (const [who, user] of deniedTo(s)) {
				expect(await participantsOverview(ctx.db, user, { show: 'all' }), who).toEqual({
					rows: [],
					counts: { active: 0, attention: 0, at_risk: 0, overdue: 0, completed: 0 }
				});
				expect(await participantRecord(ctx.db, user, s.pat.enrollmentId), who).toBeUndefined();
			}
			expect(await auditOf('record.view')).toEqual([]);
		});

		it('refuses them a case note', async () => {
			const s = await setup();
			for (const [who, user] of deniedTo(s))
				expect(await addCaseNote(ctx.db, user, s.pat.enrollmentId, 'He called to say he is unwell.'), who).toEqual({
					ok: false,
					reason: 'not_found'
				});
			expect(await caseNotes(ctx.db, s.pat.enrollmentId)).toEqual([]);
			expect(await auditOf('case_note.add')).toEqual([]);
		});

		it('refuses them a due-date extension (court staff record nothing through the facilitator area)', async () => {
			const s = await setup();
			for (const [who, user] of deniedTo(s)) {
				expect(
					await extendDueDate(ctx.db, user, s.pat.enrollmentId, {
						newDueDate: '2099-06-01',
						orderReference: 'Order 1'
					}),
					who
				).toEqual({ ok: false, reason: 'not_found' });
			}
			expect((await enrollment(s.pat.enrollmentId)).due_date).toBe('2099-01-01');
			expect(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).toEqual([]);
			expect(await auditOf('enrollment.extend_due_date')).toEqual([]);
		});
	});

	describe('the grading queue', () => {
		async function threeWaiting() {
			const s = await setup();
			const pat2 = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await completeModule(ctx.db, s.pat.user, s.mods[0]);
			at(HOUR);
			await completeModule(ctx.db, pat2.user, s.mods[0]);
			at(2 * HOUR);
			await completeModule(ctx.db, s.pat.user, s.mods[1]);
			at(3 * DAY);
			return { ...s, pat2 };
		}

		it('lists waiting reflections oldest first, with how long each has waited', async () => {
			const s = await threeWaiting();
			const q = await gradingQueue(ctx.db, s.facilitator);
			expect(q.map((x) => [x.enrollmentId, x.modulePosition])).toEqual([
				[s.pat.enrollmentId, 1],
				[s.pat2.enrollmentId, 1],
				[s.pat.enrollmentId, 2]
			]);
			expect(q[0]).toMatchObject({
				legalName: s.pat.legalName,
				caseNumber: s.pat.caseNumber.toUpperCase(),
				version: 1,
				moduleTitle: 'Module 1',
				waitedSeconds: 3 * 86_400
			});
			expect(q.map((x) => x.waitedSeconds)).toEqual([3 * 86_400, 3 * 86_400 - 3600, 3 * 86_400 - 7200]);
			expect(await gradingQueueCount(ctx.db, s.facilitator)).toBe(3);
		});

		it('filters by module, by participant, and by both', async () => {
			const s = await threeWaiting();
			const ids = async (f: Parameters<typeof gradingQueue>[2]) =>
				(await gradingQueue(ctx.db, s.facilitator, f)).map((x) => [x.enrollmentId, x.modulePosition]);
			expect(await ids({ module: 2 })).toEqual([[s.pat.enrollmentId, 2]]);
			expect(await ids({ participant: s.pat2.enrollmentId })).toEqual([[s.pat2.enrollmentId, 1]]);
			expect(await ids({ module: 1, participant: s.pat.enrollmentId })).toEqual([[s.pat.enrollmentId, 1]]);
			expect(await ids({ module: 9 })).toEqual([]);
			const options = await gradingQueueFilters(ctx.db, s.facilitator);
			expect(options.modules).toEqual([
				{ position: 1, title: 'Module 1' },
				{ position: 2, title: 'Module 2' }
			]);
			expect(options.participants.map((p) => [p.id, p.waiting]).sort()).toEqual(
				[
					[s.pat.enrollmentId, 2],
					[s.pat2.enrollmentId, 1]
				].sort()
			);
		});

		it('ignores malformed filters in the query string', () => {
			expect(parseQueueFilters(new URLSearchParams('module=abc&participant=../etc'))).toEqual({
				module: undefined,
				participant: undefined
			});
			expect(parseQueueFilters(new URLSearchParams('module=2&participant=abc234'))).toEqual({
				module: 2,
				participant: 'abc234'
			});
		});

		it('counts only what still waits: a grade takes it off the queue and off the navigation count; a withdrawn participant is left out', async () => {
			const s = await threeWaiting();
			const [first] = await gradingQueue(ctx.db, s.facilitator);
			expect(
				await gradeReflection(ctx.db, s.facilitator, {
					submissionId: first.id,
					outcome: 'satisfactory',
					feedback: '',
					rubric: {}
				})
			).toEqual({ ok: true });
			expect(await gradingQueueCount(ctx.db, s.facilitator)).toBe(2);
			await ctx.db
				.updateTable('enrollments')
				.set({ status: 'withdrawn' })
				.where('id', '=', s.pat2.enrollmentId)
				.execute();
			expect(await gradingQueueCount(ctx.db, s.facilitator)).toBe(1);
			expect((await gradingQueue(ctx.db, s.facilitator)).map((x) => x.modulePosition)).toEqual([2]);
		});
	});

	describe('grading', () => {
		it('keeps the first grade when two facilitators grade the same submission at once; the second is told and nothing is overwritten', async () => {
			const s = await setup();
			const second = await makeStaff(ctx.db, ['facilitator'], { programId: s.programId });
			const [sub] = await completeModule(ctx.db, s.pat.user, s.mods[0]);
			const results = await Promise.all([
				gradeReflection(ctx.db, s.facilitator, {
					submissionId: sub,
					outcome: 'satisfactory',
					feedback: 'Specific and honest.',
					rubric: { Specific: true, Honest: true }
				}),
				gradeReflection(ctx.db, second, {
					submissionId: sub,
					outcome: 'needs_revision',
					feedback: 'Say more about what you will change.',
					rubric: { Specific: false, Honest: true }
				})
			]);
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'already_graded' }]);
			const winner = results[0].ok
				? { user: s.facilitator, outcome: 'satisfactory' }
				: { user: second, outcome: 'needs_revision' };
			const grades = await ctx.db
				.selectFrom('reflection_grades')
				.selectAll()
				.where('submission_id', '=', sub)
				.execute();
			expect(grades).toHaveLength(1);
			expect(grades[0]).toMatchObject({ grader_id: winner.user.id, outcome: winner.outcome });
			const stored = await ctx.db
				.selectFrom('reflection_submissions')
				.select('status')
				.where('id', '=', sub)
				.executeTakeFirstOrThrow();
			expect(stored.status).toBe(winner.outcome);
			expect(await auditOf('reflection.grade')).toHaveLength(1);

			// A late second opinion changes nothing either.
			const loser = winner.user === s.facilitator ? second : s.facilitator;
			expect(
				await gradeReflection(ctx.db, loser, {
					submissionId: sub,
					outcome: 'needs_revision',
					feedback: 'Late',
					rubric: {}
				})
			).toEqual({ ok: false, reason: 'already_graded' });
			expect(
				await ctx.db.selectFrom('reflection_grades').selectAll().where('submission_id', '=', sub).execute()
			).toEqual(grades);
			const view = await submissionForGrading(ctx.db, loser, sub);
			expect(view?.grade).toMatchObject({ outcome: winner.outcome, grader: 'Staff Member' });
		});

		it('returns a reflection for revision; the revised version comes back to the queue with the earlier one and its feedback', async () => {
			const s = await setup();
			const [sub] = await completeModule(ctx.db, s.pat.user, s.mods[0]);
			at(HOUR);
			expect(
				await gradeReflection(ctx.db, s.facilitator, {
					submissionId: sub,
					outcome: 'needs_revision',
					feedback: 'Say what you will do differently.',
					rubric: { Specific: false, Honest: true }
				})
			).toEqual({ ok: true });
			expect(await gradingQueueCount(ctx.db, s.facilitator)).toBe(0);
			const [mine] = await reflectionsForModule(ctx.db, s.pat.enrollmentId, s.mods[0]);
			expect(mine.latest).toMatchObject({
				status: 'needs_revision',
				grade: { feedback: 'Say what you will do differently.' }
			});
			at(2 * HOUR);
			expect(await submitReflection(ctx.db, s.pat.user, s.mods[0], await promptOf(s.mods[0]), REVISED)).toEqual({
				ok: true,
				version: 2,
				duplicate: false
			});
			const [item] = await gradingQueue(ctx.db, s.facilitator);
			expect(item).toMatchObject({ version: 2, enrollmentId: s.pat.enrollmentId });
			const view = await submissionForGrading(ctx.db, s.facilitator, item.id);
			expect(view).toMatchObject({ version: 2, body: REVISED, grade: null });
			expect(view!.earlier).toEqual([
				expect.objectContaining({
					version: 1,
					outcome: 'needs_revision',
					feedback: 'Say what you will do differently.',
					grader: 'Staff Member',
					graded_at: new Date(T0.getTime() + HOUR).toISOString()
				})
			]);
			expect(
				await gradeReflection(ctx.db, s.facilitator, {
					submissionId: item.id,
					outcome: 'satisfactory',
					feedback: '',
					rubric: {}
				})
			).toEqual({ ok: true });
			const state = await loadCourseState(ctx.db, await enrollment(s.pat.enrollmentId));
			expect(state.modules[0].reflections).toEqual([expect.objectContaining({ status: 'satisfactory' })]);
		});
	});

	describe('case notes', () => {
		it('refuses an empty or over-long note', async () => {
			const s = await setup();
			expect(await addCaseNote(ctx.db, s.facilitator, s.pat.enrollmentId, '   ')).toEqual({
				ok: false,
				reason: 'empty'
			});
			expect(await addCaseNote(ctx.db, s.facilitator, s.pat.enrollmentId, 'x'.repeat(4001))).toEqual({
				ok: false,
				reason: 'too_long'
			});
			expect(await caseNotes(ctx.db, s.pat.enrollmentId)).toEqual([]);
		});

		it('adds a note with its author and time, newest first, audited without its text', async () => {
			const s = await setup();
			const first = await addCaseNote(
				ctx.db,
				s.facilitator,
				s.pat.enrollmentId,
				'  Called him: he will finish module 2 this week.  '
			);
			at(HOUR);
			const admin = await makeStaff(ctx.db, ['admin'], { programId: s.programId });
			const second = await addCaseNote(ctx.db, admin, s.pat.enrollmentId, 'Fee waiver approved by the director.');
			expect(first.ok && second.ok).toBe(true);
			const notes = await caseNotes(ctx.db, s.pat.enrollmentId);
			expect(notes.map((n) => [n.body, n.author, n.createdAt])).toEqual([
				['Fee waiver approved by the director.', 'Staff Member', new Date(T0.getTime() + HOUR).toISOString()],
				['Called him: he will finish module 2 this week.', 'Staff Member', T0.toISOString()]
			]);
			const entries = await auditOf('case_note.add');
			expect(entries.map((e) => [e.actor_id, e.target_id, JSON.parse(e.details_json)])).toEqual([
				[s.facilitator.id, s.pat.enrollmentId, { noteId: first.ok ? first.id : '' }],
				[admin.id, s.pat.enrollmentId, { noteId: second.ok ? second.id : '' }]
			]);
			expect(JSON.stringify(entries)).not.toContain('module 2 this week');
			const record = await participantRecord(ctx.db, s.facilitator, s.pat.enrollmentId);
			expect(record?.notes).toEqual(notes);
		});

		it('never shows a note to the participant or to his court', async () => {
			const s = await setup();
			const body = 'Confidential: spoke with his probation officer about his schedule';
			expect(await addCaseNote(ctx.db, s.facilitator, s.pat.enrollmentId, body)).toMatchObject({ ok: true });
			expect(JSON.stringify(await participantDashboard(ctx.db, s.pat.user))).not.toContain('probation officer');
			expect(JSON.stringify(await viewReferral(ctx.db, s.clerk, s.pat.enrollmentId))).not.toContain(
				'probation officer'
			);
		});
	});

	describe('due-date extensions', () => {
		it('requires a real date after the current due date and the order reference', async () => {
			const s = await setup();
			await setDue(s.pat.enrollmentId, '2026-06-05');
			const ext = (newDueDate: string, orderReference = 'Order 2026-118') =>
				extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, { newDueDate, orderReference });
			expect(await ext('2026-02-30')).toEqual({ ok: false, reason: 'invalid_date' });
			expect(await ext('next week')).toEqual({ ok: false, reason: 'invalid_date' });
			expect(await ext('2026-06-05')).toEqual({ ok: false, reason: 'not_later' });
			expect(await ext('2026-06-01')).toEqual({ ok: false, reason: 'not_later' });
			expect(await ext('2026-07-31', '   ')).toEqual({ ok: false, reason: 'reference_required' });
			expect(await ext('2026-07-31', 'x'.repeat(121))).toEqual({ ok: false, reason: 'too_long' });
			expect((await enrollment(s.pat.enrollmentId)).due_date).toBe('2026-06-05');
			expect(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).toEqual([]);
			expect(await auditOf('enrollment.extend_due_date')).toEqual([]);
		});

		it('moves the due date, keeps the previous one, audits it, and compliance follows at once', async () => {
			const s = await setup();
			await setDue(s.pat.enrollmentId, '2026-06-05');
			expect((await viewReferral(ctx.db, s.clerk, s.pat.enrollmentId))?.standing).toBe('overdue');
			const before = (await participantsOverview(ctx.db, s.facilitator)).rows[0];
			expect(before).toMatchObject({ standing: 'overdue', daysLeft: -5, extensions: 0 });

			const r = await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
				newDueDate: '2026-07-31',
				orderReference: ' Order 62-CR-26-118, Judge Ortiz '
			});
			if (!r.ok) throw new Error(r.reason);
			expect(r.previousDueDate).toBe('2026-06-05');
			expect((await enrollment(s.pat.enrollmentId)).due_date).toBe('2026-07-31');
			expect(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).toEqual([
				{
					id: r.id,
					previousDueDate: '2026-06-05',
					newDueDate: '2026-07-31',
					orderReference: 'Order 62-CR-26-118, Judge Ortiz',
					createdAt: T0.toISOString(),
					recordedBy: 'Staff Member'
				}
			]);
			const [entry] = await auditOf('enrollment.extend_due_date');
			expect(entry).toMatchObject({
				actor_id: s.facilitator.id,
				target_type: 'enrollment',
				target_id: s.pat.enrollmentId,
				outcome: 'success'
			});
			expect(JSON.parse(entry.details_json)).toEqual({
				extensionId: r.id,
				previousDueDate: '2026-06-05',
				newDueDate: '2026-07-31'
			});

			const courtView = await viewReferral(ctx.db, s.clerk, s.pat.enrollmentId);
			expect(courtView?.standing).toBe('on_track');
			// The court sees which order moved the date.
			expect(courtView?.extensions).toEqual([
				{
					previous_due_date: '2026-06-05',
					new_due_date: '2026-07-31',
					order_reference: 'Order 62-CR-26-118, Judge Ortiz',
					created_at: T0.toISOString()
				}
			]);
			const after = (await participantsOverview(ctx.db, s.facilitator)).rows[0];
			expect(after).toMatchObject({ standing: 'on_track', dueDate: '2026-07-31', daysLeft: 51, extensions: 1 });

			at(DAY);
			const again = await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
				newDueDate: '2026-08-31',
				orderReference: 'Order 2'
			});
			expect(again).toMatchObject({ ok: true, previousDueDate: '2026-07-31' });
			expect(
				(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).map((x) => [x.previousDueDate, x.newDueDate])
			).toEqual([
				['2026-07-31', '2026-08-31'],
				['2026-06-05', '2026-07-31']
			]);
			const timeline = (await participantRecord(ctx.db, s.facilitator, s.pat.enrollmentId))!.timeline;
			expect(timeline.filter((e) => e.kind === 'extension').map((e) => e.title)).toEqual([
				'Due date extended from July 31, 2026 to August 31, 2026',
				'Due date extended from June 5, 2026 to July 31, 2026'
			]);
			expect(timeline.find((e) => e.kind === 'referral')?.detail).toBe('Due June 5, 2026');
		});

		it('records one of two extensions made at once against the same date, and tells the other', async () => {
			const s = await setup();
			// Both decided against the date their pages showed; which request the server reads first, and
			// whether the first has committed by then, must not matter.
			const fromDueDate = (await enrollment(s.pat.enrollmentId)).due_date;
			const results = await Promise.all([
				extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
					newDueDate: '2099-03-01',
					orderReference: 'Order A',
					fromDueDate
				}),
				extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
					newDueDate: '2099-04-01',
					orderReference: 'Order B',
					fromDueDate
				})
			]);
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'changed' }]);
			expect(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).toHaveLength(1);
		});

		it('refuses an extension decided against a date someone has since extended, recording nothing', async () => {
			const s = await setup();
			const seen = (await enrollment(s.pat.enrollmentId)).due_date;
			const first = await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
				newDueDate: '2099-03-01',
				orderReference: 'Order A',
				fromDueDate: seen
			});
			expect(first).toMatchObject({ ok: true });
			const late = await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
				newDueDate: '2099-04-01',
				orderReference: 'Order B',
				fromDueDate: seen
			});
			expect(late).toEqual({ ok: false, reason: 'changed' });
			expect((await enrollment(s.pat.enrollmentId)).due_date).toBe('2099-03-01');
			expect(await dueDateExtensions(ctx.db, s.pat.enrollmentId)).toHaveLength(1);
		});

		it('refuses to extend a completed enrollment', async () => {
			const s = await setup();
			await ctx.db
				.updateTable('enrollments')
				.set({ status: 'completed', completed_at: clock.iso() })
				.where('id', '=', s.pat.enrollmentId)
				.execute();
			expect(
				await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
					newDueDate: '2099-03-01',
					orderReference: 'Order A'
				})
			).toEqual({ ok: false, reason: 'not_open' });
		});
	});

	describe('who is at risk', () => {
		it('flags at risk only within 7 days of the due date and when not on track, and overdue past it', async () => {
			// 8 modules of 10 minutes each at 100%: 80 minutes of module time.
			const s = await setup({ seatTimePercent: 100 }, 8);
			const [m1] = s.mods;
			const make = async (due: string, lastActivity: Date | null) => {
				at(-20 * DAY); // activated three weeks ago (activation counts as activity)
				const p = await makeParticipant(ctx.db, s.clerk, s.courtId);
				clock.set(T0);
				await setDue(p.enrollmentId, due);
				if (lastActivity) {
					await ctx.db
						.insertInto('module_progress')
						.values({
							enrollment_id: p.enrollmentId,
							module_id: m1,
							seat_seconds: 300,
							started_at: lastActivity.toISOString(),
							last_activity_at: lastActivity.toISOString(),
							completed_at: null
						})
						.execute();
				}
				return p.enrollmentId;
			};
			const recently = new Date(T0.getTime() - HOUR);
			const longAgo = new Date(T0.getTime() - 10 * DAY);
			const onTrack = await make('2026-06-13', recently);
			const idle = await make('2026-06-13', longAgo);
			const idleButFar = await make('2026-06-20', longAgo);
			const overdue = await make('2026-06-09', recently);
			const tooMuchLeft = await make('2026-06-10', recently); // due today: 75 minutes left, an hour available
			const ref = await createReferral(ctx.db, s.clerk, {
				legalName: 'Not Activated',
				dateOfBirth: '1970-02-02',
				caseNumber: '62-CR-26-NA1',
				courtId: s.courtId,
				referralDate: '2026-06-01',
				dueDate: '2026-06-12'
			});
			if (!ref.ok) throw new Error(ref.reason);
			await setDue(s.pat.enrollmentId, '2099-01-01');

			const { rows, counts } = await participantsOverview(ctx.db, s.facilitator);
			const by = new Map(rows.map((r) => [r.id, r]));
			expect(by.get(onTrack)).toMatchObject({ standing: 'on_track', daysLeft: 3, reasons: [] });
			expect(by.get(idle)).toMatchObject({ standing: 'at_risk', reasons: ['inactive'] });
			expect(by.get(idleButFar)).toMatchObject({ standing: 'on_track', daysLeft: 10 });
			expect(by.get(overdue)).toMatchObject({ standing: 'overdue', daysLeft: -1 });
			expect(by.get(tooMuchLeft)).toMatchObject({
				standing: 'at_risk',
				daysLeft: 0,
				reasons: ['time_left'],
				remainingSeatSeconds: 8 * 600 - 300
			});
			expect(by.get(ref.enrollmentId)).toMatchObject({
				standing: 'at_risk',
				reasons: ['not_activated'],
				status: 'referred'
			});
			expect(by.get(onTrack)?.lastActivityAt).toBe(recently.toISOString());
			expect(counts).toEqual({ active: 7, attention: 4, at_risk: 3, overdue: 1, completed: 0 });

			const atRisk = await participantsOverview(ctx.db, s.facilitator, { show: 'at_risk' });
			expect(atRisk.rows.map((r) => r.id)).toEqual([tooMuchLeft, ref.enrollmentId, idle]);
			expect((await participantsOverview(ctx.db, s.facilitator, { show: 'overdue' })).rows.map((r) => r.id)).toEqual([
				overdue
			]);
			expect((await participantsOverview(ctx.db, s.facilitator, { show: 'attention' })).rows).toHaveLength(4);
			const idleFirst = (await participantsOverview(ctx.db, s.facilitator, { sort: 'activity' })).rows.map((r) => r.id);
			expect(idleFirst.indexOf(idle)).toBeLessThan(idleFirst.indexOf(onTrack));
			expect((await participantsOverview(ctx.db, s.facilitator, { q: 'na1' })).rows.map((r) => r.id)).toEqual([
				ref.enrollmentId
			]);
		});

		it('takes the newest of module time, quiz attempts, reflections and drafts as his last activity', async () => {
			const s = await setup();
			expect((await participantsOverview(ctx.db, s.facilitator)).rows[0].lastActivityAt).toBe(T0.toISOString()); // activation
			at(HOUR);
			await heartbeat(ctx.db, s.pat.user, s.mods[0]);
			at(2 * HOUR);
			const open = await openAttempt(ctx.db, s.pat.user, s.mods[0]);
			if (!open.ok) throw new Error(open.reason);
			expect((await participantsOverview(ctx.db, s.facilitator)).rows[0].lastActivityAt).toBe(
				new Date(T0.getTime() + 2 * HOUR).toISOString()
			);
			at(3 * HOUR);
			await submitAttempt(ctx.db, s.pat.user, s.mods[0], open.attemptId, await answerKey(ctx.db, open.questions));
			at(4 * HOUR);
			await ctx.db
				.insertInto('reflection_drafts')
				.values({
					enrollment_id: s.pat.enrollmentId,
					prompt_id: await promptOf(s.mods[0]),
					body: 'draft',
					updated_at: clock.iso()
				})
				.execute();
			expect((await participantsOverview(ctx.db, s.facilitator)).rows[0].lastActivityAt).toBe(
				new Date(T0.getTime() + 4 * HOUR).toISOString()
			);
		});
	});

	describe('one standing rule for everyone who reads it', () => {
		// Everything the court, its CSV, the evidence packet and the facilitators show about one participant.
		async function everywhere(s: Setup, enrollmentId: string) {
			const facilitators = (await participantsOverview(ctx.db, s.facilitator, { show: 'all' })).rows.find(
				(r) => r.id === enrollmentId
			)!;
			const list = (await listReferrals(ctx.db, s.clerk)).find((r) => r.id === enrollmentId)!;
			const page = (await viewReferral(ctx.db, s.clerk, enrollmentId))!;
			const csv = parse((await referralsCsv(ctx.db, s.clerk, null)).csv, { columns: true, bom: true }) as Record<
				string,
				string
			>[];
			const packet = await packetFacts(
				ctx.db,
				await enrollment(enrollmentId),
				{ name: 'Clerk', role: 'court' },
				'http://127.0.0.1/verify'
			);
			return {
				facilitators: [facilitators.standing, facilitators.reasons],
				courtList: [list.standing, list.standingReasons],
				courtPage: [page.standing, page.standingReasons],
				csv: csv.find((r) => r['Case number'] === page.enrollment.case_number)!.Status,
				packet: [packet.standing.standing, packet.standing.reasons]
			};
		}

		it('calls a participant with every module done and five days left on track on the court dashboard, in the CSV and in the packet', async () => {
			const s = await setup();
			for (const m of s.mods) await completeModule(ctx.db, s.pat.user, m);
			await setDue(s.pat.enrollmentId, '2026-06-15');
			// Before there was one rule, the court's list and CSV said "Due within 7 days" here.
			expect(await everywhere(s, s.pat.enrollmentId)).toEqual({
				facilitators: ['on_track', []],
				courtList: ['on_track', []],
				courtPage: ['on_track', []],
				csv: 'On track',
				packet: ['on_track', []]
			});
		});

		it('gives the same "at risk" with the same reason everywhere to one who has gone quiet a week before his due date', async () => {
			const s = await setup();
			// Activated at T0 and nothing since; eight days later, four days before his due date.
			at(8 * DAY);
			await setDue(s.pat.enrollmentId, '2026-06-22');
			expect(await everywhere(s, s.pat.enrollmentId)).toEqual({
				facilitators: ['at_risk', ['inactive']],
				courtList: ['at_risk', ['inactive']],
				courtPage: ['at_risk', ['inactive']],
				csv: 'At risk',
				packet: ['at_risk', ['inactive']]
			});
		});
	});

	describe('the participant timeline', () => {
		it('shows what he did and what staff did, newest first, from every source', async () => {
			const s = await setup();
			const [m1, m2] = s.mods;
			const step = (() => {
				let n = 0;
				return () => at(++n * 10 * 60_000);
			})();
			step();
			await heartbeat(ctx.db, s.pat.user, m1);
			step();
			let open = await openAttempt(ctx.db, s.pat.user, m1);
			if (!open.ok) throw new Error(open.reason);
			await submitAttempt(ctx.db, s.pat.user, m1, open.attemptId, await answerKey(ctx.db, open.questions, false));
			step();
			const [sub1] = await completeModule(ctx.db, s.pat.user, m1);
			step();
			await gradeReflection(ctx.db, s.facilitator, {
				submissionId: sub1,
				outcome: 'needs_revision',
				feedback: 'Say what you will change.',
				rubric: {}
			});
			step();
			await submitReflection(ctx.db, s.pat.user, m1, await promptOf(m1), REVISED);
			step();
			const sub1b = (await gradingQueue(ctx.db, s.facilitator))[0].id;
			await gradeReflection(ctx.db, s.facilitator, {
				submissionId: sub1b,
				outcome: 'satisfactory',
				feedback: 'Thank you.',
				rubric: {}
			});
			for (let i = 0; i < 3; i++) {
				step();
				open = await openAttempt(ctx.db, s.pat.user, m2);
				if (!open.ok) throw new Error(open.reason);
				await submitAttempt(ctx.db, s.pat.user, m2, open.attemptId, await answerKey(ctx.db, open.questions, false));
			}
			step();
			expect(await unlockQuiz(ctx.db, s.facilitator, s.pat.enrollmentId, m2, 'Went over the module by phone')).toEqual({
				ok: true
			});
			step();
			const [sub2] = await completeModule(ctx.db, s.pat.user, m2);
			step();
			await gradeReflection(ctx.db, s.facilitator, {
				submissionId: sub2,
				outcome: 'satisfactory',
				feedback: '',
				rubric: {}
			});
			step();
			const sessionId = `s-${s.programId}`;
			await ctx.db
				.insertInto('live_sessions')
				.values({
					id: sessionId,
					program_id: s.programId,
					title: 'Survivor panel',
					kind: 'panel',
					mode: 'in_person',
					location: 'Room 1',
					url: null,
					starts_at: '2026-06-11T23:00:00.000Z',
					ends_at: '2026-06-12T01:00:00.000Z',
					capacity: 20,
					created_by: s.facilitator.id,
					created_at: clock.iso(),
					cancelled_at: null
				})
				.execute();
			await ctx.db
				.insertInto('session_registrations')
				.values({
					session_id: sessionId,
					enrollment_id: s.pat.enrollmentId,
					registered_at: clock.iso(),
					cancelled_at: null,
					attendance: null,
					participation_grade: null,
					participation_note: null,
					marked_by: null,
					marked_at: null
				})
				.execute();
			step();
			await ctx.db
				.updateTable('session_registrations')
				.set({
					attendance: 'present',
					participation_grade: 'good',
					marked_by: s.facilitator.id,
					marked_at: clock.iso()
				})
				.where('session_id', '=', sessionId)
				.execute();
			step();
			expect(await recordFee(ctx.db, s.facilitator, s.pat.enrollmentId, 'waived')).toEqual({ ok: true });
			step();
			await addCaseNote(ctx.db, s.facilitator, s.pat.enrollmentId, 'Asked about the panel; attended.');
			step();
			await extendDueDate(ctx.db, s.facilitator, s.pat.enrollmentId, {
				newDueDate: '2099-02-01',
				orderReference: 'Order 7'
			});
			step();
			expect(await attest(ctx.db, s.pat.user, { typedName: s.pat.legalName, confirmed: true })).toEqual({ ok: true });
			step();
			await useTestKeys(ctx.db);
			const signed = await signOff(ctx.db, s.facilitator, s.pat.enrollmentId, 'https://johnschool.test');
			if (!signed.ok) throw new Error(signed.reason);

			const record = (await participantRecord(ctx.db, s.facilitator, s.pat.enrollmentId))!;
			const tl = record.timeline;
			const times = tl.map((e) => Date.parse(e.at));
			expect(times).toEqual([...times].sort((a, b) => b - a));
			expect(new Set(tl.map((e) => e.kind))).toEqual(
				new Set([
					'referral',
					'activation',
					'module',
					'quiz',
					'unlock',
					'reflection',
					'grade',
					'session',
					'fee',
					'note',
					'extension',
					'attestation',
					'signoff',
					'certificate'
				])
			);
			const titles = tl.map((e) => e.title);
			expect(titles.slice(0, 3)).toEqual([
				`Certificate ${signed.serial} issued`,
				'Completion signed off',
				'Signed the attestation'
			]);
			expect(titles).toEqual(
				expect.arrayContaining([
					'Referred by the court',
					'Activated his account',
					'Started Module 1: Module 1',
					'Module 1 quiz, attempt 1: 0%, not passed',
					'Module 1 quiz, attempt 2: 100%, passed',
					'Completed Module 1: Module 1',
					'Module 1 reflection submitted (version 1)',
					'Module 1 reflection, version 1: returned for revision',
					'Module 1 reflection submitted (version 2)',
					'Module 1 reflection, version 2: satisfactory',
					'Module 2 quiz, attempt 3: 0%, not passed',
					'Module 2 quiz unlocked for one more attempt',
					'Module 2 quiz, attempt 4: 100%, passed',
					'Completed Module 2: Module 2',
					'Registered for live session "Survivor panel"',
					'Attendance at "Survivor panel": present',
					'Program fee recorded as waived',
					'Case note',
					'Due date extended from January 1, 2099 to February 1, 2099'
				])
			);
			const find = (title: string) => tl.find((e) => e.title === title)!;
			expect(find('Module 1 reflection, version 1: returned for revision')).toMatchObject({
				detail: 'Say what you will change.',
				by: 'Staff Member',
				tone: 'warn'
			});
			expect(find('Module 2 quiz unlocked for one more attempt')).toMatchObject({
				detail: 'Went over the module by phone',
				by: 'Staff Member'
			});
			expect(find('Attendance at "Survivor panel": present')).toMatchObject({
				detail: 'Participation: good',
				by: 'Staff Member'
			});
			expect(find('Registered for live session "Survivor panel"').detail).toBe('Session on Jun 11, 2026, 6:00 PM CDT');
			expect(find('Case note')).toMatchObject({ detail: 'Asked about the panel; attended.', by: 'Staff Member' });
			expect(find('Due date extended from January 1, 2099 to February 1, 2099')).toMatchObject({
				detail: 'Court order Order 7'
			});
			// Module 1 was complete once its first reflection went in, after the passing attempt (not at the revision).
			expect(find('Completed Module 1: Module 1').at).toBe(find('Module 1 reflection submitted (version 1)').at);
			expect(record.row).toMatchObject({ standing: 'completed', extensions: 1 });
		});
	});

	describe('the participants list reads evidence in set queries', () => {
		async function variedCaseload() {
			const s = await setup();
			const [m1, m2] = s.mods;
			const done = await makeParticipant(ctx.db, s.clerk, s.courtId);
			for (const sub of await completeModule(ctx.db, done.user, m1))
				await gradeReflection(ctx.db, s.facilitator, {
					submissionId: sub,
					outcome: 'satisfactory',
					feedback: '',
					rubric: {}
				});
			const locked = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await completeModule(ctx.db, locked.user, m1);
			for (let i = 0; i < 3; i++) {
				const open = await openAttempt(ctx.db, locked.user, m2);
				if (!open.ok) throw new Error(open.reason);
				await submitAttempt(ctx.db, locked.user, m2, open.attemptId, await answerKey(ctx.db, open.questions, false));
			}
			const unlocked = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await completeModule(ctx.db, unlocked.user, m1);
			for (let i = 0; i < 3; i++) {
				const open = await openAttempt(ctx.db, unlocked.user, m2);
				if (!open.ok) throw new Error(open.reason);
				await submitAttempt(ctx.db, unlocked.user, m2, open.attemptId, await answerKey(ctx.db, open.questions, false));
			}
			await unlockQuiz(ctx.db, s.facilitator, unlocked.enrollmentId, m2, 'One more try after a call');
			const revising = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const [rsub] = await completeModule(ctx.db, revising.user, m1);
			await gradeReflection(ctx.db, s.facilitator, {
				submissionId: rsub,
				outcome: 'needs_revision',
				feedback: 'More, please.',
				rubric: {}
			});
			await heartbeat(ctx.db, revising.user, m2);
			await recordFee(ctx.db, s.facilitator, revising.enrollmentId, 'paid');
			const sessionId = `s-${s.programId}`;
			await ctx.db
				.insertInto('live_sessions')
				.values({
					id: sessionId,
					program_id: s.programId,
					title: 'Panel',
					kind: 'panel',
					mode: 'virtual',
					location: null,
					url: 'https://meet.test/x',
					starts_at: clock.iso(),
					ends_at: clock.iso(),
					capacity: 9,
					created_by: s.facilitator.id,
					created_at: clock.iso(),
					cancelled_at: null
				})
				.execute();
			await ctx.db
				.insertInto('session_registrations')
				.values({
					session_id: sessionId,
					enrollment_id: done.enrollmentId,
					registered_at: clock.iso(),
					cancelled_at: null,
					attendance: 'present',
					participation_grade: null,
					participation_note: null,
					marked_by: s.facilitator.id,
					marked_at: clock.iso()
				})
				.execute();
			const ref = await createReferral(ctx.db, s.clerk, {
				legalName: 'Waiting Activation',
				dateOfBirth: '1970-02-02',
				caseNumber: '62-CR-26-WA1',
				courtId: s.courtId,
				referralDate: '2026-06-01',
				dueDate: '2026-09-01'
			});
			if (!ref.ok) throw new Error(ref.reason);
			// Another program, its own curriculum version and settings, in the same batch.
			const other = await makeProgram(ctx.db, { seatTimePercent: 50, requiredSessionKinds: ['panel'], maxAttempts: 2 });
			await makeCurriculum(ctx.db, other.slug, 3);
			const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: other.courtId });
			await makeParticipant(ctx.db, otherClerk, other.courtId);
			return s;
		}

		it('gives each enrollment exactly what the per-enrollment loader gave', async () => {
			await variedCaseload();
			const all = await ctx.db.selectFrom('enrollments').selectAll().orderBy('id').execute();
			expect(all.length).toBe(7);
			const batched = await loadCourseStates(ctx.db, all);
			expect(batched.map((b) => b.enrollment.id)).toEqual(all.map((e) => e.id));
			for (let i = 0; i < all.length; i++) {
				const reference = await referenceCourseState(ctx.db, all[i]);
				expect(batched[i], `enrollment ${i}`).toEqual(reference);
				expect(await loadCourseState(ctx.db, all[i]), `enrollment ${i} alone`).toEqual(reference);
			}
			expect(batched.some((b) => b.modules.some((m) => m.quizLocked))).toBe(true);
			expect(
				batched.some((b) => b.requirements.find((r) => r.key === 'sessions' && r.detail === 'Still needed: panel'))
			).toBe(true);
		});

		it('lists the same rows as one participant at a time would', async () => {
			const s = await variedCaseload();
			const { rows } = await participantsOverview(ctx.db, s.facilitator, { show: 'all' });
			expect(rows).toHaveLength(6);
			for (const row of rows) {
				const e = await enrollment(row.id);
				const expected: ParticipantRow = participantRow(await referenceCourseState(ctx.db, e), {
					lastActivityAt: row.lastActivityAt,
					extensions: 0,
					today: '2026-06-10',
					now: clock.now()
				});
				expect(row).toEqual(expected);
			}
		});

		it('uses as many queries for eight participants as for two', async () => {
			const s = await setup();
			let n = 0;
			const counting: KyselyPlugin = {
				transformQuery: (args) => {
					n++;
					return args.node;
				},
				transformResult: async (args) => args.result
			};
			const db = ctx.db.withPlugin(counting);
			const queriesFor = async () => {
				n = 0;
				await participantsOverview(db, s.facilitator, { show: 'all' });
				return n;
			};
			await makeParticipant(ctx.db, s.clerk, s.courtId);
			await completeModule(ctx.db, s.pat.user, s.mods[0]);
			const two = await queriesFor();
			for (let i = 0; i < 6; i++)
				await completeModule(ctx.db, (await makeParticipant(ctx.db, s.clerk, s.courtId)).user, s.mods[0]);
			expect((await participantsOverview(ctx.db, s.facilitator)).rows).toHaveLength(8);
			expect(await queriesFor()).toBe(two);
			expect(two).toBeLessThan(20);
		});
	});
});
