import { describe, expect, it } from 'vitest';
import type { SessionPlan } from './live-sessions';
import { changeNotice, changeSinceRegistration, checkSessionEdit, planChanges, walkInOpen } from './session-changes';

const plan = (over: Partial<SessionPlan> = {}): SessionPlan => ({
	title: 'Survivor panel',
	kind: 'survivor_panel',
	mode: 'in_person',
	location: 'Room 2',
	url: '',
	startsAt: '2026-11-13T00:00:00.000Z',
	endsAt: '2026-11-13T02:00:00.000Z',
	capacity: 10,
	...over
});

describe('changing a session', () => {
	it('names the fields that changed, ignoring spacing, the unused place or link, and how an instant is written', () => {
		expect(
			planChanges(
				plan(),
				plan({ title: ' Survivor panel ', url: 'https://ignored.example.org', startsAt: '2026-11-13T00:00:00Z' })
			)
		).toEqual([]);
		expect(planChanges(plan(), plan({ startsAt: '2026-11-13T01:00:00.000Z', capacity: 12 }))).toEqual([
			'startsAt',
			'capacity'
		]);
		expect(planChanges(plan(), plan({ mode: 'virtual', url: 'https://meet.example.org/x' }))).toEqual([
			'mode',
			'location',
			'url'
		]);
	});

	it('refuses an ended or cancelled session, fixed fields after attendance, and capacity below those registered', () => {
		const c = { registered: 6, marked: 0, capacityAfter: 10 };
		expect(checkSessionEdit('ended', ['title'], c)).toEqual({ problem: 'ended' });
		expect(checkSessionEdit('cancelled', ['title'], c)).toEqual({ problem: 'cancelled' });
		expect(checkSessionEdit('in_progress', ['title', 'location', 'url'], { ...c, marked: 2 })).toBeNull();
		for (const f of ['kind', 'mode', 'startsAt', 'endsAt', 'capacity'] as const) {
			expect(checkSessionEdit('in_progress', ['title', f], { ...c, marked: 1 })).toEqual({
				problem: 'fixed_after_attendance',
				field: f
			});
		}
		expect(checkSessionEdit('upcoming', ['capacity'], { ...c, capacityAfter: 5 })).toEqual({
			problem: 'capacity_below_registered',
			registered: 6
		});
		expect(checkSessionEdit('upcoming', ['capacity'], { ...c, capacityAfter: 6 })).toBeNull();
		// Walk-ins took it past capacity: leaving the capacity as it is stays allowed.
		expect(checkSessionEdit('upcoming', ['title'], { ...c, capacityAfter: 5 })).toBeNull();
	});

	it('opens walk-ins on the session’s local day, while it runs and after; never when cancelled', () => {
		const day = (iso: string) => iso.slice(0, 10); // a zone at UTC, for the test
		const s = { starts_at: '2026-11-13T18:00:00.000Z' };
		expect(walkInOpen({ ...s, status: 'upcoming' }, new Date('2026-11-12T23:59:00Z'), day)).toBe(false);
		expect(walkInOpen({ ...s, status: 'upcoming' }, new Date('2026-11-13T08:00:00Z'), day)).toBe(true);
		expect(walkInOpen({ ...s, status: 'in_progress' }, new Date('2026-11-13T18:30:00Z'), day)).toBe(true);
		expect(walkInOpen({ ...s, status: 'ended' }, new Date('2026-11-14T09:00:00Z'), day)).toBe(true);
		expect(walkInOpen({ ...s, status: 'cancelled' }, new Date('2026-11-13T18:30:00Z'), day)).toBe(false);
	});
});

describe('telling a registrant', () => {
	const s = { cancelled_at: null, time_changed_at: null, place_changed_at: null };
	it('tells only what happened after he registered', () => {
		expect(changeSinceRegistration(s, '2026-11-01T00:00:00.000Z')).toBeNull();
		expect(
			changeSinceRegistration({ ...s, time_changed_at: '2026-11-02T00:00:00.000Z' }, '2026-11-01T00:00:00.000Z')
		).toEqual({ cancelled: false, time: true, place: false });
		expect(
			changeSinceRegistration({ ...s, time_changed_at: '2026-11-02T00:00:00.000Z' }, '2026-11-03T00:00:00.000Z')
		).toBeNull();
		expect(
			changeSinceRegistration(
				{ ...s, cancelled_at: '2026-11-02T00:00:00.000Z', place_changed_at: '2026-11-02T00:00:00.000Z' },
				'2026-11-01T00:00:00.000Z'
			)
		).toEqual({ cancelled: true, time: false, place: true });
	});

	it('says cancelled, the new time, the new place, or where the link is', () => {
		const n = {
			title: 'Survivor panel',
			when: 'Tue, Nov 17, 2026, 6:00 – 8:00 PM CST',
			mode: 'in_person',
			location: 'Room 3',
			cancelled: false,
			time: false,
			place: false
		};
		expect(changeNotice({ ...n, cancelled: true, time: true })).toBe(
			'Cancelled: Survivor panel (Tue, Nov 17, 2026, 6:00 – 8:00 PM CST) was cancelled by the program.'
		);
		expect(changeNotice({ ...n, time: true })).toBe(
			'Changed: Survivor panel is now Tue, Nov 17, 2026, 6:00 – 8:00 PM CST.'
		);
		expect(changeNotice({ ...n, time: true, place: true })).toBe(
			'Changed: Survivor panel is now Tue, Nov 17, 2026, 6:00 – 8:00 PM CST, at Room 3.'
		);
		expect(changeNotice({ ...n, place: true })).toBe(
			'Changed: Survivor panel (Tue, Nov 17, 2026, 6:00 – 8:00 PM CST) is now at Room 3.'
		);
		expect(changeNotice({ ...n, place: true, mode: 'virtual', location: null })).toMatch(
			/is online: use the meeting link on your sessions page\.$/
		);
	});
});
