// Live sessions: who may not (a participant, court staff, a facilitator of another program), then
// scheduling, registration with its capacity (also under concurrent requests for the last seat),
// attendance, and what attendance does for completion.
import { describe, expect, it } from 'vitest';
import { setSessionRequirements, sessionRequirementSettings } from '../../src/lib/server/admin/program-settings.service';
import { verifyAuditChain } from '../../src/lib/server/audit/audit';
import { clock } from '../../src/lib/server/clock';
import { loadCourseState } from '../../src/lib/server/learning/evidence';
import { findOwnEnrollment } from '../../src/lib/server/learning/participant';
import {
	cancelRegistration,
	cancelSession,
	markAttendance,
	participantSessions,
	register,
	scheduleSession,
	sessionForStaff,
	staffSessions,
	type ScheduleInput
} from '../../src/lib/server/sessions/sessions.service';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb } from './helpers';

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
			const n = await ctx.db.selectFrom('live_sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
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
				expect(await markAttendance(ctx.db, who, id, [{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: '' }])).toEqual({ ok: false, reason: 'not_found' });
				expect(await cancelSession(ctx.db, who, id)).toEqual({ ok: false, reason: 'not_found' });
			}
			const reg = await ctx.db.selectFrom('session_registrations').selectAll().executeTakeFirstOrThrow();
			expect(reg.attendance).toBeNull();
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
				expect(await setSessionRequirements(ctx.db, who, s.programId, { requiredSessionKinds: ['survivor_panel'], lateCountsAsPresent: true })).toEqual({ ok: false, reason: 'not_found' });
			}
			expect(await sessionRequirementSettings(ctx.db, s.facilitator)).toEqual([]);
			expect(await setSessionRequirements(ctx.db, s.admin, s.programId, { requiredSessionKinds: ['karaoke'], lateCountsAsPresent: false })).toEqual({ ok: false, reason: 'unknown_kind' });
			expect((await sessionRequirementSettings(ctx.db, s.admin))[0]).toMatchObject({ requiredSessionKinds: [], lateCountsAsPresent: false });
		});
	});

	describe('scheduling', () => {
		it('stores the times as UTC instants of the program time zone, and lists the session', async () => {
			const s = await setup({ timeZone: 'America/Chicago' });
			const id = await scheduled(s);
			const row = await ctx.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({ starts_at: '2026-11-13T00:00:00.000Z', ends_at: '2026-11-13T02:00:00.000Z', mode: 'in_person', url: null, capacity: 10, created_by: s.facilitator.id });
			const list = (await staffSessions(ctx.db, s.facilitator))!;
			expect(list.upcoming).toHaveLength(1);
			expect(list.upcoming[0]).toMatchObject({ id, kindLabel: 'Survivor panel', registered: 0, status: 'upcoming' });
			expect(list.upcoming[0].when).toBe('Thu, Nov 12, 2026, 6:00 – 8:00 PM CST');
			// An admin of the program schedules too.
			expect((await scheduleSession(ctx.db, s.admin, plan(s.programId, { title: 'Group discussion', kind: 'group_discussion' }))).ok).toBe(true);
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
				expect(await scheduleSession(ctx.db, s.facilitator, plan(s.programId, over)), JSON.stringify(over)).toEqual({ ok: false, reason: 'invalid', field, problem });
			}
			// Virtual with a link: the place is not kept. A session that began an hour ago may be added (attendance at the door).
			const v = await scheduleSession(ctx.db, s.facilitator, plan(s.programId, { mode: 'virtual', url: 'https://meet.example.org/abc', startsLocal: '2026-11-10T08:00', endsLocal: '2026-11-10T10:00' }));
			expect(v.ok).toBe(true);
			const row = await ctx.db.selectFrom('live_sessions').selectAll().executeTakeFirstOrThrow();
			expect(row).toMatchObject({ mode: 'virtual', url: 'https://meet.example.org/abc', location: null });
		});

		it('creates one session for a form submitted twice', async () => {
			const s = await setup();
			const input = plan(s.programId, { formToken: 'tok-123' });
			const [a, b] = await Promise.all([scheduleSession(ctx.db, s.facilitator, input), scheduleSession(ctx.db, s.facilitator, input)]);
			const c = await scheduleSession(ctx.db, s.facilitator, input);
			expect(a.ok && b.ok && c.ok).toBe(true);
			if (a.ok && b.ok && c.ok) expect(new Set([a.id, b.id, c.id]).size).toBe(1);
			const rows = await ctx.db.selectFrom('live_sessions').select('id').execute();
			expect(rows).toHaveLength(1);
			const audits = await ctx.db.selectFrom('audit_log').select('seq').where('action', '=', 'session.schedule').execute();
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
			expect(view.upcoming[0]).toMatchObject({ seatsLeft: 1, registered: true, url: 'https://meet.example.org/panel', canRegister: false, canCancel: true });

			expect(await cancelRegistration(ctx.db, s.pat.user, id)).toEqual({ ok: true });
			expect(await cancelRegistration(ctx.db, s.pat.user, id)).toEqual({ ok: true });
			view = (await participantSessions(ctx.db, s.pat.user))!;
			expect(view.upcoming[0]).toMatchObject({ seatsLeft: 2, registered: false, url: null });

			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: true, already: false });
			const rows = await ctx.db.selectFrom('session_registrations').selectAll().execute();
			expect(rows).toHaveLength(1);
			expect(rows[0].cancelled_at).toBeNull();
			const actions = (await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'session.%').orderBy('seq').execute()).map((a) => a.action);
			expect(actions).toEqual(['session.schedule', 'session.register', 'session.unregister', 'session.register']);
		});

		it('refuses a full session, a cancelled one and one that has ended; cancelling after the start is refused', async () => {
			const s = await setup();
			const other = await makeParticipant(ctx.db, s.clerk, s.courtId);
			const id = await scheduled(s, { capacity: 1 });
			expect((await register(ctx.db, other.user, id)).ok).toBe(true);
			expect(await register(ctx.db, s.pat.user, id)).toEqual({ ok: false, reason: 'full' });
			expect((await participantSessions(ctx.db, s.pat.user))!.upcoming[0]).toMatchObject({ seatsLeft: 0, canRegister: false });

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
			expect((await participantSessions(ctx.db, s.pat.user))!.upcoming[0]).toMatchObject({ id, status: 'cancelled', url: null, canRegister: false });
			expect((await participantSessions(ctx.db, other.user))!.upcoming).toEqual([]);
			const entry = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'session.cancel').executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: s.facilitator.id, target_id: id, details_json: JSON.stringify({ registered: 1 }) });
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
			const seats = await ctx.db.selectFrom('session_registrations').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', id).where('cancelled_at', 'is', null).executeTakeFirstOrThrow();
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
			const others = [await makeParticipant(ctx.db, s.clerk, s.courtId), await makeParticipant(ctx.db, s.clerk, s.courtId), await makeParticipant(ctx.db, s.clerk, s.courtId)];
			for (const p of [s.pat, ...others]) expect((await register(ctx.db, p.user, id)).ok).toBe(true);
			return { ...s, id, others };
		}

		it('can be taken only once the session has started, and not for a cancelled session', async () => {
			const s = await withRoster();
			const mark = [{ enrollmentId: s.pat.enrollmentId, attendance: 'present' as const, grade: 'strong' as const, note: '' }];
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
				{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: 'Asked the panel a thoughtful question.' },
				{ enrollmentId: a.enrollmentId, attendance: 'late', grade: 'adequate', note: '' },
				{ enrollmentId: b.enrollmentId, attendance: 'left_early', grade: 'minimal', note: 'Left at the break.' },
				{ enrollmentId: c.enrollmentId, attendance: 'absent', grade: null, note: '' }
			]);
			expect(r).toEqual({ ok: true, changed: 4 });
			const detail = (await sessionForStaff(ctx.db, s.facilitator, s.id))!;
			const row = (id: string) => detail.roster.find((x) => x.enrollmentId === id)!;
			expect(row(s.pat.enrollmentId)).toMatchObject({ attendance: 'present', grade: 'strong', note: 'Asked the panel a thoughtful question.', counts: true });
			expect(row(a.enrollmentId)).toMatchObject({ attendance: 'late', grade: 'adequate', note: '', counts: false });
			expect(row(c.enrollmentId)).toMatchObject({ attendance: 'absent', grade: null, counts: false });
			expect(detail.canCancel).toBe(false);
			const views = await ctx.db.selectFrom('audit_log').select('target_id').where('action', '=', 'session.roster.view').where('actor_id', '=', s.facilitator.id).execute();
			expect(views.map((v) => v.target_id)).toContain(s.id);
			expect(await cancelSession(ctx.db, s.facilitator, s.id)).toEqual({ ok: false, reason: 'ended' });

			// The same submit again changes nothing; a correction writes one more entry.
			const same = await markAttendance(ctx.db, s.facilitator, s.id, [{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: 'Asked the panel a thoughtful question.' }]);
			expect(same).toEqual({ ok: true, changed: 0 });
			expect(await markAttendance(ctx.db, s.facilitator, s.id, [{ enrollmentId: a.enrollmentId, attendance: 'present', grade: 'adequate', note: 'Was on time; marked late by mistake.' }])).toEqual({ ok: true, changed: 1 });
			const entries = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'session.attendance').orderBy('seq').execute();
			expect(entries).toHaveLength(5);
			expect(entries[4]).toMatchObject({ actor_id: s.facilitator.id, target_type: 'enrollment', target_id: a.enrollmentId });
			expect(JSON.parse(entries[4].details_json)).toEqual({ sessionId: s.id, attendance: 'present', grade: 'adequate', corrected: true });
			expect(entries.map((e) => e.details_json).join()).not.toContain('mistake'); // notes stay out of the audit log
			expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
		});

		it('refuses someone not on the roster and inconsistent marks, changing nothing', async () => {
			const s = await withRoster();
			clock.set(new Date('2026-11-13T00:10:00Z'));
			const ok = { enrollmentId: s.pat.enrollmentId, attendance: 'present' as const, grade: null, note: '' };
			expect(await markAttendance(ctx.db, s.facilitator, s.id, [ok, { enrollmentId: s.stranger.enrollmentId, attendance: 'present', grade: null, note: '' }])).toEqual({ ok: false, reason: 'not_on_roster' });
			expect(await markAttendance(ctx.db, s.facilitator, s.id, [ok, { enrollmentId: s.others[0].enrollmentId, attendance: 'absent', grade: 'strong', note: '' }])).toEqual({
				ok: false,
				reason: 'invalid',
				enrollmentId: s.others[0].enrollmentId,
				problem: 'absent_with_grade'
			});
			expect(await markAttendance(ctx.db, s.facilitator, s.id, [{ enrollmentId: s.others[1].enrollmentId, attendance: null, grade: 'strong', note: '' }])).toMatchObject({ ok: false, problem: 'grade_without_attendance' });
			const marked = await ctx.db.selectFrom('session_registrations').select('attendance').where('attendance', 'is not', null).execute();
			expect(marked).toEqual([]);
			// A row left unmarked stays unmarked; the others are recorded.
			expect(await markAttendance(ctx.db, s.facilitator, s.id, [ok, { enrollmentId: s.others[0].enrollmentId, attendance: null, grade: null, note: '' }])).toEqual({ ok: true, changed: 1 });
		});
	});

	describe('attendance toward completion', () => {
		async function attended(attendance: 'present' | 'late' | 'left_early' | 'absent', settings: Record<string, unknown>) {
			const s = await setup({ requiredSessionKinds: ['survivor_panel'], ...settings });
			const id = await scheduled(s);
			await register(ctx.db, s.pat.user, id);
			expect((await sessionsRequirement(s.pat.user)).met).toBe(false);
			clock.set(new Date('2026-11-13T01:00:00Z'));
			expect(await markAttendance(ctx.db, s.facilitator, id, [{ enrollmentId: s.pat.enrollmentId, attendance, grade: attendance === 'absent' ? null : 'adequate', note: '' }])).toEqual({ ok: true, changed: 1 });
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
			expect(await setSessionRequirements(ctx.db, s.admin, s.programId, { requiredSessionKinds: ['survivor_panel'], lateCountsAsPresent: true })).toEqual({ ok: true, changed: true });
			expect((await sessionsRequirement(s.pat.user)).met).toBe(true);
			expect((await participantSessions(ctx.db, s.pat.user))!.history[0]).toMatchObject({ attendanceLabel: 'Late', counts: true });
			const entry = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'program.settings').executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: s.admin.id, target_id: s.programId });
			// Other settings are kept as stored.
			const program = await ctx.db.selectFrom('programs').select('settings_json').where('id', '=', s.programId).executeTakeFirstOrThrow();
			expect(JSON.parse(program.settings_json)).toEqual({ seatTimePercent: 0, requiredSessionKinds: ['survivor_panel'], lateCountsAsPresent: true });
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
			await markAttendance(ctx.db, s.facilitator, id, [{ enrollmentId: s.pat.enrollmentId, attendance: 'present', grade: 'strong', note: '' }]);
			expect(await sessionsRequirement(s.pat.user)).toMatchObject({ met: false });
		});
	});
});
