import { describe, expect, it } from 'vitest';
import { daysBetween, standingOf, type StandingInput } from './standing';

const now = new Date('2026-06-10T15:00:00Z');
const base: StandingInput = {
	status: 'active',
	dueDate: '2026-06-15',
	today: '2026-06-10',
	activated: true,
	modulesRemaining: 3,
	remainingSeatSeconds: 2 * 3600,
	quizLocked: false,
	lastActivityAt: '2026-06-09T20:00:00Z',
	now
};

describe('a participant standing against his due date', () => {
	it('counts days between local dates', () => {
		expect(daysBetween('2026-06-10', '2026-06-10')).toBe(0);
		expect(daysBetween('2026-06-10', '2026-06-17')).toBe(7);
		expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2); // across the spring clock change
		expect(daysBetween('2026-06-10', '2026-06-09')).toBe(-1);
	});

	it('is overdue past the due date, whatever his progress', () => {
		expect(standingOf({ ...base, dueDate: '2026-06-09', modulesRemaining: 0, remainingSeatSeconds: 0 })).toMatchObject({
			standing: 'overdue',
			daysLeft: -1
		});
	});

	it('is completed or withdrawn regardless of dates', () => {
		expect(standingOf({ ...base, status: 'completed', dueDate: '2020-01-01' }).standing).toBe('completed');
		expect(standingOf({ ...base, status: 'withdrawn', dueDate: '2020-01-01' }).standing).toBe('withdrawn');
	});

	it('is on track within the last week when the time left fits at an hour a day and he is active', () => {
		// 5 days left + the due day = 6 hours available; 2 hours left.
		expect(standingOf(base)).toEqual({ standing: 'on_track', daysLeft: 5, reasons: [] });
	});

	it('is at risk within the last week when the module time left does not fit', () => {
		expect(standingOf({ ...base, remainingSeatSeconds: 6 * 3600 + 1 })).toEqual({
			standing: 'at_risk',
			daysLeft: 5,
			reasons: ['time_left']
		});
		expect(standingOf({ ...base, dueDate: '2026-06-10', remainingSeatSeconds: 3601 })).toMatchObject({
			standing: 'at_risk',
			daysLeft: 0
		});
		expect(standingOf({ ...base, dueDate: '2026-06-10', remainingSeatSeconds: 3600 })).toMatchObject({
			standing: 'on_track',
			daysLeft: 0
		});
	});

	it('is at risk within the last week after a week without activity, or with a locked quiz', () => {
		expect(standingOf({ ...base, lastActivityAt: '2026-06-03T14:59:00Z' }).reasons).toEqual(['inactive']);
		expect(standingOf({ ...base, lastActivityAt: null }).reasons).toEqual(['inactive']);
		expect(standingOf({ ...base, quizLocked: true })).toMatchObject({ standing: 'at_risk', reasons: ['quiz_locked'] });
	});

	it('is on track when every module is done, even if idle (what is left is staff work and his attestation)', () => {
		expect(standingOf({ ...base, modulesRemaining: 0, remainingSeatSeconds: 0, lastActivityAt: null }).standing).toBe(
			'on_track'
		);
	});

	it('is not flagged more than 7 days ahead, however far behind', () => {
		expect(
			standingOf({ ...base, dueDate: '2026-06-18', remainingSeatSeconds: 100 * 3600, lastActivityAt: null }).standing
		).toBe('on_track');
		expect(standingOf({ ...base, dueDate: '2026-06-17', remainingSeatSeconds: 100 * 3600 }).standing).toBe('at_risk');
	});

	it('treats a referral not yet activated as not started, and at risk in the last week', () => {
		expect(standingOf({ ...base, activated: false, dueDate: '2026-07-30' })).toMatchObject({
			standing: 'not_started',
			reasons: ['not_activated']
		});
		expect(standingOf({ ...base, activated: false })).toMatchObject({
			standing: 'at_risk',
			reasons: ['not_activated']
		});
	});
});
