import { describe, expect, it } from 'vitest';
import { attendanceCounts, checkSessionPlan, isHttpsUrl, sessionStatus, type SessionPlan } from './live-sessions';

const now = new Date('2026-11-10T15:00:00Z');
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

describe('live session rules', () => {
	it('counts present always, late only when the program says so, never left early or absent', () => {
		expect(attendanceCounts('present', false)).toBe(true);
		expect(attendanceCounts('late', false)).toBe(false);
		expect(attendanceCounts('late', true)).toBe(true);
		for (const a of ['left_early', 'absent', null]) expect(attendanceCounts(a, true)).toBe(false);
	});

	it('tells upcoming, in progress, ended and cancelled apart', () => {
		const s = { starts_at: '2026-11-10T15:00:00.000Z', ends_at: '2026-11-10T16:00:00.000Z', cancelled_at: null };
		expect(sessionStatus(s, new Date('2026-11-10T14:59:59Z'))).toBe('upcoming');
		expect(sessionStatus(s, now)).toBe('in_progress');
		expect(sessionStatus(s, new Date('2026-11-10T16:00:00Z'))).toBe('ended');
		expect(sessionStatus({ ...s, cancelled_at: '2026-11-01T00:00:00Z' }, now)).toBe('cancelled');
	});

	it('accepts a sound plan and names the field of an unsound one', () => {
		expect(checkSessionPlan(plan(), now)).toBeNull();
		expect(
			checkSessionPlan(plan({ startsAt: '2026-11-10T14:00:00.000Z', endsAt: '2026-11-10T16:00:00.000Z' }), now)
		).toBeNull(); // under way
		expect(checkSessionPlan(plan({ capacity: 501 }), now)).toEqual({ field: 'capacity', problem: 'capacity' });
		expect(checkSessionPlan(plan({ capacity: 2.5 }), now)).toEqual({ field: 'capacity', problem: 'capacity' });
		expect(
			checkSessionPlan(plan({ startsAt: '2028-01-01T00:00:00.000Z', endsAt: '2028-01-01T02:00:00.000Z' }), now)
		).toEqual({ field: 'startsAt', problem: 'too_far' });
		expect(checkSessionPlan(plan({ startsAt: null }), now)).toEqual({ field: 'startsAt', problem: 'bad_time' });
		expect(checkSessionPlan(plan({ mode: 'hybrid' }), now)).toEqual({ field: 'mode', problem: 'mode' });
	});

	it('takes only https links without credentials', () => {
		expect(isHttpsUrl('https://meet.example.org/abc?pwd=1')).toBe(true);
		for (const bad of [
			'http://meet.example.org',
			'javascript:alert(1)',
			'https://user:pw@meet.example.org',
			'meet.example.org',
			'data:text/html,x'
		])
			expect(isHttpsUrl(bad)).toBe(false);
	});
});
