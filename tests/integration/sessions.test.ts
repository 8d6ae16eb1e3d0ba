// Live sessions: who may not (a participant, court staff, a facilitator of another program), then
// scheduling, registration with its capacity (also under concurrent requests for the last seat),
// attendance, what attendance does for completion, editing a session, walk-ins, and the notices a
// registrant gets of a change.
import { describe, expect, it } from 'vitest';
import {
	setSessionRequirements,
	sessionRequirementSettings
} from '../../src/lib/server/admin/program-settings.service';
import { verifyAuditChain } from '../../src/lib/server/audit/audit';
import { clock } from '../../src/lib/server/clock';
import { participantDashboard } from '../../src/lib/server/learning/dashboard';
import { loadCourseState } from '../../src/lib/server/learning/evidence';
import { findOwnEnrollment } from '../../src/lib/server/learning/participant';
import {
	addWalkIn,
	cancelRegistration,
	cancelSession,
	editSession,
	markAttendance,
	participantSessions,
	register,
	scheduleSession,
	sessionForStaff,
	staffSessions,
	type EditInput,
	type ScheduleInput
} from '../../src/lib/server/sessions/sessions.service';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

// 09:00 in Chicago (the default program time zone) on Tuesday 10 November 2026.
const NOW = new Date('2026-11-10T15:00:00Z');

function plan(programId: string, over: Partial<ScheduleInput> = {}): ScheduleInput {
	return {
		programId,
		title: 'Survivor panel, November',
		kind: 'survivor_panel',
		mode: 'in_person',
		location: 'Room 2, 555 Cedar St, St. Paul',
		url: '',
		startsLocal: '2026-11-12T18:00',
		endsLocal: '2026-11-12T20:00',
		capacity: 10,
		...over
	};
}

forEachDb('live sessions', (ctx) => {
	async function setup(settings: Record<string, unknown> = {}) {
		clock.set(NOW);
		const p = await makeProgram(ctx.db, settings);
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const other = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, other.slug, 1);
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		const outsiderAdmin = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: other.courtId });
		const stranger = await makeParticipant(ctx.db, otherClerk, other.courtId);
		return { ...p, clerk, facilitator, admin, pat, other, outsider, outsiderAdmin, stranger };
	}
	type Setup = Awaited<ReturnType<typeof setup>>;

	async function scheduled(s: Setup, over: Partial<ScheduleInput> = {}): Promise<string> {
		const r = await scheduleSession(ctx.db, s.facilitator, plan(s.programId, over));
		if (!r.ok) throw new Error(`schedule: ${JSON.stringify(r)}`);
		return r.id;
	}

	/** The session as scheduled by `plan`, with changes: what the edit form sends back. */
	function edit(over: Partial<EditInput> = {}): EditInput {
		const { programId: _p, formToken: _t, ...rest } = plan('-');
		return { ...rest, ...over };
	}

	async function auditActions(prefix = 'session.') {
		return (
			await ctx.db
				.selectFrom('audit_log')
				.select('action')
				.where('action', 'like', `${prefix}%`)
				.orderBy('seq')
				.execute()
		).map((a) => a.action);
	}

	async function sessionsRequirement(user: UserIdentity) {
		const state = await loadCourseState(ctx.db, (await findOwnEnrollment(ctx.db, user))!);
		return state.requirements.find((r) => r.key === 'sessions')!;
	}

	describe('who may not', () => {
		it('refuses to schedule for a participant, court staff and a facilitator of another program', async () => {
			const s = await setup();
			for (const who of [s.pat.user, s.clerk, s.outsider, s.outsiderAdmin]) {
				expect(await scheduleSession(ctx.db, who, plan(s.programId))).toEqual({ ok: false, reason: 'not_found' });
			}
			const n = await ctx.db
				.selectFrom('live_sessions')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow();
			expect(Number(n.n)).toBe(0);
		});

		it('hides the roster and the session list from a participant, court staff and a facilitator of another program', async () => {
			const s = await setup();
			const id = await scheduled(s);
			for (const who of [s.pat.user, s.clerk, s.outsider, s.outsiderAdmin]) {
				expect(await sessionForStaff(ctx.db, who, id)).toBeUndefined();
			}
			for (const who of [s.pat.user, s.clerk]) expect(await staffSessions(ctx.db, who)).toBeUndefined();
			expect((await staffSessions(ctx.db, s.outsider))!.upcoming).toEqual([]);
		});

		it('refuses to cancel a session or take its attendance for a participant, court staff and a facilitator of another program', async () => {
			const s = await setup();
			const id = await scheduled(s);
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: true, already: false });
			clock.set(new Date('2026-11-13T00:30:00Z'));
			for (const who of [s.pat.user, s.clerk, s.outsider, s.outsiderAdmin]) {
				expect(
					await markAttendance(ctx.db, who, id, [
						{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: '' }
					])
				).toEqual({ ok: false, reason: 'not_found' });
				expect(await cancelSession(ctx.db, who, id)).toEqual({ ok: false, reason: 'not_found' });
			}
			const reg = await ctx.db.selectFrom('session_registrations').selectAll().executeTakeFirstOrThrow();
			expect(reg.attendance).toBeNull();
		});

		it('refuses to edit a session or add a walk-in for a participant, court staff and a facilitator of another program', async () => {
			const s = await setup();
			const id = await scheduled(s);
			clock.set(new Date('2026-11-13T00:30:00Z')); // under way: walk-ins are open
			for (const who of [s.pat.user, s.clerk, s.outsider, s.outsiderAdmin]) {
				expect(await editSession(ctx.db, who, id, edit({ title: 'Taken over', capacity: 3 }))).toEqual({
					ok: false,
					reason: 'not_found'
				});
				expect(await addWalkIn(ctx.db, who, id, s.pat.enrollmentId)).toEqual({ ok: false, reason: 'not_found' });
			}
			const row = await ctx.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({
				title: 'Survivor panel, November',
				capacity: 10,
				time_changed_at: null,
				place_changed_at: null
			});
			expect(await ctx.db.selectFrom('session_registrations').selectAll().execute()).toEqual([]);
			expect(await auditActions()).toEqual(['session.schedule']);
		});

		it('refuses registration to staff and to a participant of another program, and shows them nothing', async () => {
			const s = await setup();
			const id = await scheduled(s);
			for (const who of [s.stranger.user, s.clerk, s.facilitator, s.outsider]) {
				expect(await register(ctx.db, who, id)).toEqual({ ok: false, reason: 'not_found' });
				expect(await cancelRegistration(ctx.db, who, id)).toEqual({ ok: false, reason: 'not_found' });
			}
			expect((await participantSessions(ctx.db, s.stranger.user))!.upcoming).toEqual([]);
			for (const who of [s.clerk, s.facilitator]) expect(await participantSessions(ctx.db, who)).toBeUndefined();
		});

		it('lets only an admin of the program change its session requirements', async () => {
			const s = await setup();
			for (const who of [s.facilitator, s.clerk, s.pat.user, s.outsiderAdmin]) {
				expect(
					await setSessionRequirements(ctx.db, who, s.programId, {
						requiredSessionKinds: ['survivor_panel'],
						lateCountsAsPresent: true
					})
				).toEqual({ ok: false, reason: 'not_found' });
			}
			expect(await sessionRequirementSettings(ctx.db, s.facilitator)).toEqual([]);
			expect(
				await setSessionRequirements(ctx.db, s.admin, s.programId, {
					requiredSessionKinds: ['karaoke'],
					lateCountsAsPresent: false
				})
			).toEqual({ ok: false, reason: 'unknown_kind' });
			expect((await sessionRequirementSettings(ctx.db, s.admin))[0]).toMatchObject({
				requiredSessionKinds: [],
				lateCountsAsPresent: false
			});
		});
	});

	describe('scheduling', () => {
		it('stores the times as UTC instants of the program time zone, and lists the session', async () => {
			const s = await setup({ timeZone: 'America/Chicago' });
			const id = await scheduled(s);
			const row = await ctx.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({
				starts_at: '2026-11-13T00:00:00.000Z',
				ends_at: '2026-11-13T02:00:00.000Z',
				mode: 'in_person',
				url: null,
				capacity: 10,
				created_by: s.facilitator.id
			});
			const list = (await staffSessions(ctx.db, s.facilitator))!;
			expect(list.upcoming).toHaveLength(1);
			expect(list.upcoming[0]).toMatchObject({ id, kindLabel: 'Survivor panel', registered: 0, status: 'upcoming' });
			expect(list.upcoming[0].when).toBe('Thu, Nov 12, 2026, 6:00 – 8:00 PM CST');
			// An admin of the program schedules too.
			expect(
				(
					await scheduleSession(
						ctx.db,
						s.admin,
						plan(s.programId, { title: 'Group discussion', kind: 'group_discussion' })
					)
				).ok
			).toBe(true);
		});

		it('validates: end after start, capacity at least one, a place in person, an https link online, not already over', async () => {
			const s = await setup();
			const cases: [Partial<ScheduleInput>, string, string][] = [
				[{ endsLocal: '2026-11-12T17:00' }, 'endsAt', 'end_before_start'],
				[{ endsLocal: '2026-11-12T18:00' }, 'endsAt', 'end_before_start'],
				[{ endsLocal: '2026-11-13T08:00' }, 'endsAt', 'too_long'],
				[{ capacity: 0 }, 'capacity', 'capacity'],
				[{ location: '  ' }, 'location', 'place_required'],
				[{ mode: 'virtual', url: '' }, 'url', 'link_required'],
				[{ mode: 'virtual', url: 'http://meet.example.org/abc' }, 'url', 'link_not_https'],
				[{ mode: 'virtual', url: 'javascript:alert(1)' }, 'url', 'link_not_https'],
				[{ startsLocal: '2026-11-09T18:00', endsLocal: '2026-11-09T20:00' }, 'endsAt', 'already_over'],
				[{ startsLocal: '2026-02-30T18:00' }, 'startsAt', 'bad_time'],
				[{ kind: 'karaoke' }, 'kind', 'kind'],
				[{ title: 'x' }, 'title', 'title']
			];
			for (const [over, field, problem] of cases) {
				expect(await scheduleSession(ctx.db, s.facilitator, plan(s.programId, over)), JSON.stringify(over)).toEqual({
					ok: false,
					reason: 'invalid',
					field,
					problem
				});
			}
			// Virtual with a link: the place is not kept. A session that began an hour ago may be added (attendance at the door).
			const v = await scheduleSession(
				ctx.db,
				s.facilitator,
				plan(s.programId, {
					mode: 'virtual',
					url: 'https://meet.example.org/abc',
					startsLocal: '2026-11-10T08:00',
					endsLocal: '2026-11-10T10:00'
				})
			);
			expect(v.ok).toBe(true);
			const row = await ctx.db.selectFrom('live_sessions').selectAll().executeTakeFirstOrThrow();
			expect(row).toMatchObject({ mode: 'virtual', url: 'https://meet.example.org/abc', location: null });
		});

		it('creates one session for a form submitted twice', async () => {
			const s = await setup();
			const input = plan(s.programId, { formToken: 'tok-123' });
			const [a, b] = await Promise.all([
				scheduleSession(ctx.db, s.facilitator, input),
				scheduleSession(ctx.db, s.facilitator, input)
			]);
			const c = await scheduleSession(ctx.db, s.facilitator, input);
			expect(a.ok && b.ok && c.ok).toBe(true);
			if (a.ok && b.ok && c.ok) expect(new Set([a.id, b.id, c.id]).size).toBe(1);
			const rows = await ctx.db.selectFrom('live_sessions').select('id').execute();
			expect(rows).toHaveLength(1);
			const audits = await ctx.db
				.selectFrom('audit_log')
				.select('seq')
				.where('action', '=', 'session.schedule')
				.execute();
			expect(audits).toHaveLength(1);
		});
	});

	describe('registration', () => {
		it('shows seats left, hides the virtual link until he registers, and lets him cancel and register again', async () => {
			const s = await setup();
			const id = await scheduled(s, { mode: 'virtual', url: 'https://meet.example.org/panel', capacity: 2 });
			let view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.upcoming[0]).toMatchObject({ id, seatsLeft: 2, registered: false, url: null, canRegister: true });
			expect(JSON.stringify(view)).not.toContain('meet.example.org');

			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: true, already: false });
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: true, already: true });
			view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.upcoming[0]).toMatchObject({
				seatsLeft: 1,
				registered: true,
				url: 'https://meet.example.org/panel',
				canRegister: false,
				canCancel: true
			});

			expect(await cancelRegistration(ctx.db, s.pat.user, id)).toEqual({ ok: true });
			expect(await cancelRegistration(ctx.db, s.pat.user, id)).toEqual({ ok: true });
			view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.upcoming[0]).toMatchObject({ seatsLeft: 2, registered: false, url: null });

			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: true, already: false });
			const rows = await ctx.db.selectFrom('session_registrations').selectAll().execute();
			expect(rows).toHaveLength(1);
			expect(rows[0].cancelled_at).toBeNull();
			const actions = (
				await ctx.db
					.selectFrom('audit_log')
					.select('action')
					.where('action', 'like', 'session.%')
					.orderBy('seq')
					.execute()
			).map((a) => a.action);
			expect(actions).toEqual(['session.schedule', 'session.register', 'session.unregister', 'session.register']);
		});

		it('refuses a full session, a cancelled one and one that has ended; cancelling after the start is refused', async () => {
			const s = await setup();
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const id = await scheduled(s, { capacity: 1 });
			expect((await register(ctx.db, other.user, id)).ok).toBe(true);
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: false, reason: 'full' });
			expect((await participantSessions(ctx.db, s.pat.user))!.upcoming[0]).toMatchObject({
				seatsLeft: 0,
				canRegister: false
			});

			const gone = await scheduled(s, { title: 'Cancelled panel' });
			expect((await cancelSession(ctx.db, s.facilitator, gone)).ok).toBe(true);
			expect(await register(ctx.db, s.pat.user, gone)).toEqual({ ok: false, reason: 'cancelled' });

			clock.set(new Date('2026-11-13T00:30:00Z')); // the first session is under way
			expect(await cancelRegistration(ctx.db, other.user, id)).toEqual({ ok: false, reason: 'started' });
			clock.set(new Date('2026-11-13T03:00:00Z')); // and over
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: false, reason: 'ended' });
		});

		it('lets registrants see a cancelled session as cancelled, and hides it from everyone else', async () => {
			const s = await setup();
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const id = await scheduled(s, { mode: 'virtual', url: 'https://meet.example.org/x' });
			await register(ctx.db, s.pat.user, id);
			expect(await cancelSession(ctx.db, s.facilitator, id)).toEqual({ ok: true });
			expect(await cancelSession(ctx.db, s.facilitator, id)).toEqual({ ok: true });
			expect((await participantSessions(ctx.db, s.pat.user))!.upcoming[0]).toMatchObject({
				id,
				status: 'cancelled',
				url: null,
				canRegister: false
			});
			expect((await participantSessions(ctx.db, other.user))!.upcoming).toEqual([]);
			const entry = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'session.cancel')
				.executeTakeFirstOrThrow();
			expect(entry).toMatchObject({
				actor_id: s.facilitator.id,
				target_id: id,
				details_json: JSON.stringify({ registered: 1 })
			});
		});

		it('gives the last seat to exactly one of many simultaneous registrations', async () => {
			const s = await setup();
			const id = await scheduled(s, { capacity: 3 });
			const early = [s.pat, await makeParticipant(ctx.db, s.clerk, s.courtId)];
			for (const p of early) expect((await register(ctx.db, p.user, id)).ok).toBe(true);
			const racers = [];
			for (let i = 0; i < 8; i++) racers.push(await makeParticipant(ctx.db, s.clerk, s.courtId));
			const results = await Promise.all(racers.map((p) => register(ctx.db, p.user, id)));
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.filter((r) => !r.ok && r.reason === 'full')).toHaveLength(7);
			const seats = await ctx.db
				.selectFrom('session_registrations')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('session_id', '=', id)
				.where('cancelled_at', 'is', null)
				.executeTakeFirstOrThrow();
			expect(Number(seats.n)).toBe(3);
			// A seat given back is taken by exactly one of the next racers too.
			expect(await cancelRegistration(ctx.db, early[1].user, id)).toEqual({ ok: true });
			const again = await Promise.all(racers.map((p) => register(ctx.db, p.user, id)));
			expect(again.filter((r) => r.ok && !r.already)).toHaveLength(1);
			expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
		});
	});

	describe('attendance', () => {
		async function withRoster(settings: Record<string, unknown> = {}) {
			const s = await setup(settings);
			const id = await scheduled(s);
			const others = [
				await makeParticipant(ctx.db, s.clerk, s.courtId),
				await makeParticipant(ctx.db, s.clerk, s.courtId),
				await makeParticipant(ctx.db, s.clerk, s.courtId)
			];
			for (const p of [s.pat, ...others]) expect((await register(ctx.db, p.user, id)).ok).toBe(true);
			return { ...s, id, others };
		}

		it('can be taken only once the session has started, and not for a cancelled session', async () => {
			const s = await withRoster();
			const mark = [
				{ enrollmentId: s.pat.enrollmentId, attendance: 'present' as const, grade: 'strong' as const, note: '' }
			];
			expect(await markAttendance(ctx.db, s.facilitator, s.id, mark)).toEqual({ ok: false, reason: 'not_started' });
			expect((await sessionForStaff(ctx.db, s.facilitator, s.id))!.canTakeAttendance).toBe(false);
			const gone = await scheduled(s, { title: 'Cancelled one' });
			await cancelSession(ctx.db, s.facilitator, gone);
			clock.set(new Date('2026-11-13T00:05:00Z'));
			expect(await markAttendance(ctx.db, s.facilitator, gone, [])).toEqual({ ok: false, reason: 'cancelled' });
			expect((await sessionForStaff(ctx.db, s.facilitator, s.id))!.canTakeAttendance).toBe(true);
			expect(await markAttendance(ctx.db, s.facilitator, s.id, mark)).toEqual({ ok: true, changed: 1 });
		});

		it('records the whole roster in one submit, with grades and notes, and audits each change', async () => {
			const s = await withRoster();
			clock.set(new Date('2026-11-13T02:30:00Z')); // after the end: paperwork done late is fine
			const [a, b, c] = s.others;
			const r = await markAttendance(ctx.db, s.facilitator, s.id, [
				{
					enrollmentId: s.pat.enrollmentId,
					attendance: 'present',
					grade: 'strong',
					note: 'Asked the panel a thoughtful question.'
				},
				{ enrollmentId: a.enrollmentId, attendance: 'late', grade: 'adequate', note: '' },
				{ enrollmentId: b.enrollmentId, attendance: 'left_early', grade: 'minimal', note: 'Left at the break.' },
				{ enrollmentId: c.enrollmentId, attendance: 'absent', grade: null, note: '' }
			]);
			expect(r).toEqual({ ok: true, changed: 4 });
			const detail = (await sessionForStaff(ctx.db, s.facilitator, s.id))!;
			const row = (id: string) => detail.roster.find((x) => x.enrollmentId === id)!;
			expect(row(s.pat.enrollmentId)).toMatchObject({
				attendance: 'present',
				grade: 'strong',
				note: 'Asked the panel a thoughtful question.',
				counts: true
			});
			expect(row(a.enrollmentId)).toMatchObject({ attendance: 'late', grade: 'adequate', note: '', counts: false });
			expect(row(c.enrollmentId)).toMatchObject({ attendance: 'absent', grade: null, counts: false });
			expect(detail.canCancel).toBe(false);
			const views = await ctx.db
				.selectFrom('audit_log')
				.select('target_id')
				.where('action', '=', 'session.roster.view')
				.where('actor_id', '=', s.facilitator.id)
				.execute();
			expect(views.map((v) => v.target_id)).toContain(s.id);
			expect(await cancelSession(ctx.db, s.facilitator, s.id)).toEqual({ ok: false, reason: 'ended' });

			// The same submit again changes nothing; a correction writes one more entry.
			const same = await markAttendance(ctx.db, s.facilitator, s.id, [
				{
					enrollmentId: s.pat.enrollmentId,
					attendance: 'present',
					grade: 'strong',
					note: 'Asked the panel a thoughtful question.'
				}
			]);
			expect(same).toEqual({ ok: true, changed: 0 });
			expect(
				await markAttendance(ctx.db, s.facilitator, s.id, [
					{
						enrollmentId: a.enrollmentId,
						attendance: 'present',
						grade: 'adequate',
						note: 'Was on time; marked late by mistake.'
					}
				])
			).toEqual({ ok: true, changed: 1 });
			const entries = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'session.attendance')
				.orderBy('seq')
				.execute();
			expect(entries).toHaveLength(5);
			expect(entries[4]).toMatchObject({
				actor_id: s.facilitator.id,
				target_type: 'enrollment',
				target_id: a.enrollmentId
			});
			expect(JSON.parse(entries[4].details_json)).toEqual({
				sessionId: s.id,
				attendance: 'present',
				grade: 'adequate',
				corrected: true
			});
			expect(entries.map((e) => e.details_json).join()).not.toContain('mistake'); // notes stay out of the audit log
			expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
		});

		it('refuses someone not on the roster and inconsistent marks, changing nothing', async () => {
			const s = await withRoster();
			clock.set(new Date('2026-11-13T00:10:00Z'));
			const ok = { enrollmentId: s.pat.enrollmentId, attendance: 'present' as const, grade: null, note: '' };
			expect(
				await markAttendance(ctx.db, s.facilitator, s.id, [
					ok,
					{ enrollmentId: s.stranger.enrollmentId, attendance: 'present', grade: null, note: '' }
				])
			).toEqual({ ok: false, reason: 'not_on_roster' });
			expect(
				await markAttendance(ctx.db, s.facilitator, s.id, [
					ok,
					{ enrollmentId: s.others[0].enrollmentId, attendance: 'absent', grade: 'strong', note: '' }
				])
			).toEqual({
				ok: false,
				reason: 'invalid',
				enrollmentId: s.others[0].enrollmentId,
				problem: 'absent_with_grade'
			});
			expect(
				await markAttendance(ctx.db, s.facilitator, s.id, [
					{ enrollmentId: s.others[1].enrollmentId, attendance: null, grade: 'strong', note: '' }
				])
			).toMatchObject({ ok: false, problem: 'grade_without_attendance' });
			const marked = await ctx.db
				.selectFrom('session_registrations')
				.select('attendance')
				.where('attendance', 'is not', null)
				.execute();
			expect(marked).toEqual([]);
			// A row left unmarked stays unmarked; the others are recorded.
			expect(
				await markAttendance(ctx.db, s.facilitator, s.id, [
					ok,
					{ enrollmentId: s.others[0].enrollmentId, attendance: null, grade: null, note: '' }
				])
			).toEqual({ ok: true, changed: 1 });
		});
	});

	describe('attendance toward completion', () => {
		async function attended(
			attendance: 'present' | 'late' | 'left_early' | 'absent',
			settings: Record<string, unknown>
		) {
			const s = await setup({ requiredSessionKinds: ['survivor_panel'], ...settings });
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			expect((await sessionsRequirement(s.pat.user)).met).toBe(false);
			clock.set(new Date('2026-11-13T01:00:00Z'));
			expect(
				await markAttendance(ctx.db, s.facilitator, id, [
					{ enrollmentId: s.pat.enrollmentId, attendance, grade: attendance === 'absent' ? null : 'adequate', note: '' }
				])
			).toEqual({ ok: true, changed: 1 });
			return s;
		}

		it('counts a present mark', async () => {
			const s = await attended('present', {});
			expect(await sessionsRequirement(s.pat.user)).toMatchObject({ met: true, detail: 'All attended' });
			const view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.required).toEqual([{ kind: 'survivor_panel', label: 'Survivor panel', met: true }]);
			expect(view.requirementMet).toBe(true);
		});

		it('counts late only when the program says so, and the admin can change that', async () => {
			const s = await attended('late', {});
			expect((await sessionsRequirement(s.pat.user)).met).toBe(false);
			expect((await participantSessions(ctx.db, s.pat.user))!.required[0].met).toBe(false);
			expect(
				await setSessionRequirements(ctx.db, s.admin, s.programId, {
					requiredSessionKinds: ['survivor_panel'],
					lateCountsAsPresent: true
				})
			).toEqual({ ok: true, changed: true });
			expect((await sessionsRequirement(s.pat.user)).met).toBe(true);
			expect((await participantSessions(ctx.db, s.pat.user))!.history[0]).toMatchObject({
				attendanceLabel: 'Late',
				counts: true
			});
			const entry = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'program.settings')
				.executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: s.admin.id, target_id: s.programId });
			// Other settings are kept as stored.
			const program = await ctx.db
				.selectFrom('programs')
				.select('settings_json')
				.where('id', '=', s.programId)
				.executeTakeFirstOrThrow();
			expect(JSON.parse(program.settings_json)).toEqual({
				seatTimePercent: 0,
				requiredSessionKinds: ['survivor_panel'],
				lateCountsAsPresent: true
			});
		});

		it('does not count left early or absent, whatever the late setting', async () => {
			for (const a of ['left_early', 'absent'] as const) {
				const s = await attended(a, { lateCountsAsPresent: true });
				expect((await sessionsRequirement(s.pat.user)).met).toBe(false);
			}
		});

		it('does not count a session of a kind the program does not require', async () => {
			const s = await setup({ requiredSessionKinds: ['survivor_panel'] });
			const id = await scheduled(s, { kind: 'group_discussion', title: 'Group discussion' });
			await register(ctx.db, s.pat.user, id);
			clock.set(new Date('2026-11-13T01:00:00Z'));
			await markAttendance(ctx.db, s.facilitator, id, [
				{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: '' }
			]);
			expect(await sessionsRequirement(s.pat.user)).toMatchObject({ met: false });
		});
	});
	describe('editing a session', () => {
		it('saves a new time and place in the program’s zone, and audits which fields changed, old → new', async () => {
			const s = await setup({ timeZone: 'America/Chicago' });
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			clock.set(new Date('2026-11-10T16:00:00Z'));
			const r = await editSession(
				ctx.db,
				s.facilitator,
				id,
				edit({
					title: 'Survivor panel (moved)',
					location: 'Room 3, 555 Cedar St, St. Paul',
					startsLocal: '2026-11-17T18:30',
					endsLocal: '2026-11-17T20:30'
				})
			);
			expect(r).toEqual({ ok: true, changed: ['title', 'location', 'startsAt', 'endsAt'], registrantsTold: true });
			const row = await ctx.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({
				title: 'Survivor panel (moved)',
				starts_at: '2026-11-18T00:30:00.000Z',
				ends_at: '2026-11-18T02:30:00.000Z',
				location: 'Room 3, 555 Cedar St, St. Paul',
				time_changed_at: '2026-11-10T16:00:00.000Z',
				place_changed_at: '2026-11-10T16:00:00.000Z'
			});
			const entry = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'session.edit')
				.executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: s.facilitator.id, target_type: 'live_session', target_id: id });
			expect(JSON.parse(entry.details_json)).toEqual({
				changed: 'title,location,startsAt,endsAt',
				location: 'Room 2, 555 Cedar St, St. Paul → Room 3, 555 Cedar St, St. Paul',
				startsAt: '2026-11-13T00:00:00.000Z → 2026-11-18T00:30:00.000Z',
				endsAt: '2026-11-13T02:00:00.000Z → 2026-11-18T02:30:00.000Z',
				registered: 1
			});
			expect(entry.details_json).not.toContain('moved'); // the title is free text: only that it changed

			// The form sent back as shown changes nothing and writes nothing.
			const detail = (await sessionForStaff(ctx.db, s.facilitator, id))!;
			expect(detail.editValues).toMatchObject({
				startsLocal: '2026-11-17T18:30',
				endsLocal: '2026-11-17T20:30',
				capacity: '10',
				mode: 'in_person'
			});
			const again = await editSession(ctx.db, s.facilitator, id, { ...edit(), ...detail.editValues, capacity: 10 });
			expect(again).toEqual({ ok: true, changed: [], registrantsTold: false });
			// An admin of the program edits too; a virtual session keeps no place.
			expect(
				await editSession(ctx.db, s.admin, id, {
					...edit(),
					...detail.editValues,
					capacity: 10,
					mode: 'virtual',
					url: 'https://meet.example.org/moved'
				})
			).toMatchObject({ ok: true, changed: ['mode', 'location', 'url'] });
			expect(
				await ctx.db
					.selectFrom('live_sessions')
					.select(['location', 'url'])
					.where('id', '=', id)
					.executeTakeFirstOrThrow()
			).toEqual({ location: null, url: 'https://meet.example.org/moved' });
			expect(await auditActions('session.edit')).toHaveLength(2);
			expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
		});

		it('validates like scheduling', async () => {
			const s = await setup();
			const id = await scheduled(s);
			expect(await editSession(ctx.db, s.facilitator, id, edit({ endsLocal: '2026-11-12T17:00' }))).toEqual({
				ok: false,
				reason: 'invalid',
				field: 'endsAt',
				problem: 'end_before_start'
			});
			expect(
				await editSession(ctx.db, s.facilitator, id, edit({ mode: 'virtual', url: 'http://meet.example.org' }))
			).toEqual({ ok: false, reason: 'invalid', field: 'url', problem: 'link_not_https' });
			expect(await editSession(ctx.db, s.facilitator, id, edit({ location: ' ' }))).toEqual({
				ok: false,
				reason: 'invalid',
				field: 'location',
				problem: 'place_required'
			});
			expect(
				await editSession(
					ctx.db,
					s.facilitator,
					id,
					edit({ startsLocal: '2026-11-09T18:00', endsLocal: '2026-11-09T20:00' })
				)
			).toEqual({ ok: false, reason: 'invalid', field: 'endsAt', problem: 'already_over' });
			expect(await auditActions('session.edit')).toEqual([]);
		});

		it('refuses a session that has ended or was cancelled', async () => {
			const s = await setup();
			const id = await scheduled(s);
			const gone = await scheduled(s, { title: 'Cancelled panel' });
			await cancelSession(ctx.db, s.facilitator, gone);
			expect(await editSession(ctx.db, s.facilitator, gone, edit({ title: 'Back on' }))).toEqual({
				ok: false,
				reason: 'refused',
				problem: 'cancelled'
			});
			expect((await sessionForStaff(ctx.db, s.facilitator, gone))!.canEdit).toBe(false);
			clock.set(new Date('2026-11-13T02:00:00Z')); // the end
			expect(await editSession(ctx.db, s.facilitator, id, edit({ title: 'Renamed afterwards' }))).toEqual({
				ok: false,
				reason: 'refused',
				problem: 'ended'
			});
			expect((await sessionForStaff(ctx.db, s.facilitator, id))!).toMatchObject({ canEdit: false, editValues: null });
			expect(await auditActions('session.edit')).toEqual([]);
		});

		it('refuses a capacity below the number on the roster, and says how many', async () => {
			const s = await setup();
			const id = await scheduled(s);
			for (const p of [
				s.pat,
				await makeParticipant(ctx.db, s.clerk, s.courtId),
				await makeParticipant(ctx.db, s.clerk, s.courtId)
			])
				await register(ctx.db, p.user, id);
			expect(await editSession(ctx.db, s.facilitator, id, edit({ capacity: 2 }))).toEqual({
				ok: false,
				reason: 'refused',
				problem: 'capacity_below_registered',
				registered: 3
			});
			expect(await editSession(ctx.db, s.facilitator, id, edit({ capacity: 3 }))).toEqual({
				ok: true,
				changed: ['capacity'],
				registrantsTold: false
			});
			expect(
				JSON.parse(
					(
						await ctx.db
							.selectFrom('audit_log')
							.select('details_json')
							.where('action', '=', 'session.edit')
							.executeTakeFirstOrThrow()
					).details_json
				)
			).toEqual({ changed: 'capacity', capacity: '10 → 3', registered: 3 });
			expect((await participantSessions(ctx.db, s.pat.user))!.upcoming[0]).toMatchObject({
				seatsLeft: 0,
				changeNotice: null
			});
		});

		it('keeps the kind, format, times and capacity once attendance is marked; the title, place and link still change', async () => {
			const s = await setup();
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			clock.set(new Date('2026-11-13T00:20:00Z'));
			expect((await sessionForStaff(ctx.db, s.facilitator, id))!).toMatchObject({
				canEdit: true,
				fixedAfterAttendance: false
			});
			// Before anyone is marked, a session under way may still be moved (it started late).
			expect(await editSession(ctx.db, s.facilitator, id, edit({ startsLocal: '2026-11-12T18:15' }))).toMatchObject({
				ok: true,
				changed: ['startsAt']
			});
			await markAttendance(ctx.db, s.facilitator, id, [
				{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: null, note: '' }
			]);
			expect((await sessionForStaff(ctx.db, s.facilitator, id))!).toMatchObject({
				canEdit: true,
				fixedAfterAttendance: true
			});
			const now = { startsLocal: '2026-11-12T18:15' };
			for (const [over, field] of [
				[{ kind: 'group_discussion' }, 'kind'],
				[{ endsLocal: '2026-11-12T21:00' }, 'endsAt'],
				[{ startsLocal: '2026-11-12T18:00' }, 'startsAt'],
				[{ capacity: 12 }, 'capacity'],
				[{ mode: 'virtual', url: 'https://meet.example.org/x' }, 'mode']
			] as const) {
				expect(await editSession(ctx.db, s.facilitator, id, edit({ ...now, ...over })), field).toEqual({
					ok: false,
					reason: 'refused',
					problem: 'fixed_after_attendance',
					field
				});
			}
			expect(
				await editSession(
					ctx.db,
					s.facilitator,
					id,
					edit({ ...now, title: 'Survivor panel (room change)', location: 'Room 5' })
				)
			).toEqual({ ok: true, changed: ['title', 'location'], registrantsTold: true });
			const row = await ctx.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({
				kind: 'survivor_panel',
				starts_at: '2026-11-13T00:15:00.000Z',
				capacity: 10,
				location: 'Room 5'
			});
		});

		it('never leaves more registered than the capacity when an edit lowers it during a rush of registrations', async () => {
			const s = await setup();
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			const racers = [];
			for (let i = 0; i < 6; i++) racers.push(await makeParticipant(ctx.db, s.clerk, s.courtId));
			const [edited] = await Promise.all([
				editSession(ctx.db, s.facilitator, id, edit({ capacity: 3 })),
				...racers.map((p) => register(ctx.db, p.user, id))
			]);
			const row = await ctx.db
				.selectFrom('live_sessions')
				.select('capacity')
				.where('id', '=', id)
				.executeTakeFirstOrThrow();
			const seats = await ctx.db
				.selectFrom('session_registrations')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('session_id', '=', id)
				.where('cancelled_at', 'is', null)
				.executeTakeFirstOrThrow();
			expect(Number(seats.n)).toBeLessThanOrEqual(Number(row.capacity));
			expect(Number(row.capacity)).toBe(edited.ok ? 3 : 10);
			if (!edited.ok) expect(edited).toMatchObject({ problem: 'capacity_below_registered' });
		});
	});

	describe('walk-ins', () => {
		it('refuses someone of another program, an enrollment not active, someone already on the roster, a cancelled session, and before the session’s day', async () => {
			const s = await setup();
			const id = await scheduled(s);
			const left = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await ctx.db
				.updateTable('enrollments')
				.set({ status: 'withdrawn' })
				.where('id', '=', left.enrollmentId)
				.execute();
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await register(ctx.db, s.pat.user, id);
			// Tuesday 09:00 in Chicago; the session is on Thursday evening.
			expect(await addWalkIn(ctx.db, s.facilitator, id, other.enrollmentId)).toEqual({
				ok: false,
				reason: 'too_early'
			});
			expect((await sessionForStaff(ctx.db, s.facilitator, id))!).toMatchObject({
				canAddWalkIn: false,
				walkInCandidates: []
			});
			clock.set(new Date('2026-11-12T14:00:00Z')); // Thursday 08:00 in Chicago
			expect(await addWalkIn(ctx.db, s.facilitator, id, s.stranger.enrollmentId)).toEqual({
				ok: false,
				reason: 'not_eligible'
			});
			expect(await addWalkIn(ctx.db, s.facilitator, id, left.enrollmentId)).toEqual({
				ok: false,
				reason: 'not_eligible'
			});
			expect(await addWalkIn(ctx.db, s.facilitator, id, 'nosuchenrollment')).toEqual({
				ok: false,
				reason: 'not_eligible'
			});
			expect(await addWalkIn(ctx.db, s.facilitator, id, s.pat.enrollmentId)).toEqual({
				ok: false,
				reason: 'already_on_roster'
			});
			const gone = await scheduled(s, { title: 'Cancelled panel' });
			await cancelSession(ctx.db, s.facilitator, gone);
			expect(await addWalkIn(ctx.db, s.facilitator, gone, other.enrollmentId)).toEqual({
				ok: false,
				reason: 'cancelled'
			});
			// Only this program's active enrollments not on the roster are offered.
			const offered = (await sessionForStaff(ctx.db, s.facilitator, id))!.walkInCandidates.map((c) => c.enrollmentId);
			expect(offered).toEqual([other.enrollmentId]);
			expect(await auditActions('session.walk_in')).toEqual([]);
		});

		it('adds him even when the session is full, audits it, and his attendance can then be marked', async () => {
			const s = await setup({ requiredSessionKinds: ['survivor_panel'] });
			const id = await scheduled(s, { capacity: 1 });
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await register(ctx.db, other.user, id);
			// He had registered and given his seat back; now he turns up at the door.
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: false, reason: 'full' });
			clock.set(new Date('2026-11-13T00:10:00Z'));
			expect(await addWalkIn(ctx.db, s.facilitator, id, s.pat.enrollmentId)).toEqual({ ok: true });
			expect(await addWalkIn(ctx.db, s.facilitator, id, s.pat.enrollmentId)).toEqual({
				ok: false,
				reason: 'already_on_roster'
			});
			const detail = (await sessionForStaff(ctx.db, s.facilitator, id))!;
			expect(detail.session).toMatchObject({ registered: 2, capacity: 1 });
			expect(detail.roster.find((r) => r.enrollmentId === s.pat.enrollmentId)).toMatchObject({
				walkIn: true,
				attendance: null
			});
			expect(detail.roster.find((r) => r.enrollmentId === other.enrollmentId)).toMatchObject({ walkIn: false });
			const entry = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'session.walk_in')
				.executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: s.facilitator.id, target_type: 'live_session', target_id: id });
			expect(JSON.parse(entry.details_json)).toEqual({ enrollmentId: s.pat.enrollmentId, status: 'in_progress' });
			expect(
				await markAttendance(ctx.db, s.facilitator, id, [
					{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'adequate', note: '' }
				])
			).toEqual({ ok: true, changed: 1 });
			expect((await sessionsRequirement(s.pat.user)).met).toBe(true);
			// Added at the door is not a registration he made: no notice, and the row is his history.
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices).toEqual([]);
		});

		it('reuses a registration he had given back', async () => {
			const s = await setup();
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			await cancelRegistration(ctx.db, s.pat.user, id);
			clock.set(new Date('2026-11-12T23:00:00Z')); // Thursday 17:00 in Chicago, an hour before
			expect(await addWalkIn(ctx.db, s.admin, id, s.pat.enrollmentId)).toEqual({ ok: true });
			const rows = await ctx.db.selectFrom('session_registrations').selectAll().execute();
			expect(rows).toHaveLength(1);
			expect(rows[0]).toMatchObject({
				cancelled_at: null,
				walk_in_by: s.admin.id,
				registered_at: '2026-11-12T23:00:00.000Z'
			});
			expect(await auditActions()).toEqual([
				'session.schedule',
				'session.register',
				'session.unregister',
				'session.walk_in'
			]);
		});
	});

	describe('participants learn of changes', () => {
		it('tells a registrant of a new time or place and of a cancellation, on his dashboard and his sessions page, until the session has passed', async () => {
			const s = await setup({ timeZone: 'America/Chicago' });
			const moved = await scheduled(s);
			const dropped = await scheduled(s, {
				title: 'Group discussion',
				kind: 'group_discussion',
				startsLocal: '2026-11-19T18:00',
				endsLocal: '2026-11-19T19:30'
			});
			for (const id of [moved, dropped]) await register(ctx.db, s.pat.user, id);
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices).toEqual([]);
			clock.set(new Date('2026-11-10T17:00:00Z'));
			await editSession(
				ctx.db,
				s.facilitator,
				moved,
				edit({ startsLocal: '2026-11-17T18:00', endsLocal: '2026-11-17T20:00', location: 'Room 3' })
			);
			await cancelSession(ctx.db, s.facilitator, dropped);

			const notices = (await participantDashboard(ctx.db, s.pat.user))!.sessionNotices;
			expect(notices).toEqual([
				{
					sessionId: moved,
					cancelled: false,
					text: 'Changed: Survivor panel, November is now Tue, Nov 17, 2026, 6:00 – 8:00 PM CST, at Room 3.'
				},
				{
					sessionId: dropped,
					cancelled: true,
					text: 'Cancelled: Group discussion (Thu, Nov 19, 2026, 6:00 – 7:30 PM CST) was cancelled by the program.'
				}
			]);
			const view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.upcoming.find((u) => u.id === moved)).toMatchObject({
				changeNotice: notices[0].text,
				status: 'upcoming'
			});
			expect(view.upcoming.find((u) => u.id === dropped)).toMatchObject({ status: 'cancelled', changeNotice: null });

			clock.set(new Date('2026-11-18T02:00:00Z')); // the moved one is over
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices.map((n) => n.sessionId)).toEqual([
				dropped
			]);
			clock.set(new Date('2026-11-20T02:00:00Z'));
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices).toEqual([]);
		});

		it('tells nobody who registered after the change or gave his seat back, and nothing of a new title or capacity', async () => {
			const s = await setup();
			const id = await scheduled(s);
			const late = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const gaveBack = await makeParticipant(ctx.db, s.clerk, s.courtId);
			await register(ctx.db, s.pat.user, id);
			await register(ctx.db, gaveBack.user, id);
			await cancelRegistration(ctx.db, gaveBack.user, id);
			clock.set(new Date('2026-11-10T16:00:00Z'));
			expect(
				await editSession(ctx.db, s.facilitator, id, edit({ title: 'Survivor panel, renamed', capacity: 12 }))
			).toMatchObject({ ok: true, registrantsTold: false });
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices).toEqual([]);
			await editSession(
				ctx.db,
				s.facilitator,
				id,
				edit({ title: 'Survivor panel, renamed', capacity: 12, mode: 'virtual', url: 'https://meet.example.org/new' })
			);
			clock.set(new Date('2026-11-10T17:00:00Z'));
			await register(ctx.db, late.user, id);
			expect((await participantDashboard(ctx.db, s.pat.user))!.sessionNotices).toEqual([
				{
					sessionId: id,
					cancelled: false,
					text: 'Changed: Survivor panel, renamed (Thu, Nov 12, 2026, 6:00 – 8:00 PM CST) is online: use the meeting link on your sessions page.'
				}
			]);
			expect((await participantDashboard(ctx.db, late.user))!.sessionNotices).toEqual([]);
			expect((await participantDashboard(ctx.db, gaveBack.user))!.sessionNotices).toEqual([]);
			expect((await participantSessions(ctx.db, late.user))!.upcoming[0]).toMatchObject({
				registered: true,
				changeNotice: null
			});
			expect((await participantSessions(ctx.db, gaveBack.user))!.upcoming[0]).toMatchObject({
				registered: false,
				changeNotice: null
			});
		});
	});
});
