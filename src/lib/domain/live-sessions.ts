// Live sessions as data and pure rules: the kinds a program can require, attendance values, the
// participation scale, and what a schedule must satisfy. No I/O here.

/**
 * The kinds of live session. A fixed list rather than free text: a program's required kinds must
 * match the kind of a scheduled session exactly, and a typo in free text ("Survivor Panel" against
 * "survivor panel") would make a requirement silently impossible to meet. Adding a kind is a
 * one-line change here (and its label); stored values are these keys.
 */
export const SESSION_KINDS = [
	'survivor_panel',
	'community_impact',
	'health_education',
	'legal_consequences',
	'group_discussion',
	'other'
] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export const SESSION_KIND_LABELS: Record<SessionKind, string> = {
	survivor_panel: 'Survivor panel',
	community_impact: 'Community impact panel',
	health_education: 'Health education',
	legal_consequences: 'Legal consequences',
	group_discussion: 'Group discussion',
	other: 'Other session'
};

export function sessionKindLabel(kind: string): string {
	return SESSION_KIND_LABELS[kind as SessionKind] ?? kind;
}

export const SESSION_MODES = ['in_person', 'virtual'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

export const ATTENDANCE = ['present', 'late', 'left_early', 'absent'] as const;
export type Attendance = (typeof ATTENDANCE)[number];
export const ATTENDANCE_LABELS: Record<Attendance, string> = {
	present: 'Present',
	late: 'Late',
	left_early: 'Left early',
	absent: 'Absent'
};

/**
 * Participation, a short fixed scale a facilitator can give at a glance on a tablet:
 * strong (took part throughout: spoke, listened, engaged with the speakers), adequate (took part when
 * asked), minimal (present but withdrawn or distracted), none (did not take part, or disrupted).
 * It is a record for staff and the court file; it does not decide completion (attendance does).
 */
export const PARTICIPATION_GRADES = ['strong', 'adequate', 'minimal', 'none'] as const;
export type ParticipationGrade = (typeof PARTICIPATION_GRADES)[number];
export const PARTICIPATION_LABELS: Record<ParticipationGrade, string> = {
	strong: 'Strong',
	adequate: 'Adequate',
	minimal: 'Minimal',
	none: 'None'
};

/** Whether a marked attendance counts toward completion: present always, late per program setting. */
export function attendanceCounts(attendance: string | null, lateCountsAsPresent: boolean): boolean {
	return attendance === 'present' || (lateCountsAsPresent && attendance === 'late');
}

export type SessionStatus = 'cancelled' | 'upcoming' | 'in_progress' | 'ended';

export function sessionStatus(
	s: { starts_at: string; ends_at: string; cancelled_at: string | null },
	now: Date
): SessionStatus {
	if (s.cancelled_at) return 'cancelled';
	const t = now.getTime();
	if (t < Date.parse(s.starts_at)) return 'upcoming';
	return t < Date.parse(s.ends_at) ? 'in_progress' : 'ended';
}

export const MAX_SESSION_HOURS = 12;
export const MAX_CAPACITY = 500;
const MAX_DAYS_AHEAD = 400;

export interface SessionPlan {
	title: string;
	kind: string;
	mode: string;
	location: string;
	url: string;
	startsAt: string | null;
	endsAt: string | null;
	capacity: number;
}

export type PlanField = 'title' | 'kind' | 'mode' | 'location' | 'url' | 'startsAt' | 'endsAt' | 'capacity';
export type PlanProblem =
	| 'title'
	| 'kind'
	| 'mode'
	| 'place_required'
	| 'link_required'
	| 'link_not_https'
	| 'bad_time'
	| 'end_before_start'
	| 'too_long'
	| 'already_over'
	| 'too_far'
	| 'capacity';

/**
 * What a schedule must satisfy. A session may start in the past (a facilitator adding tonight's group
 * at the door, so that attendance can be recorded) but must not be over; it lasts at most 12 hours.
 */
export function checkSessionPlan(p: SessionPlan, now: Date): { field: PlanField; problem: PlanProblem } | null {
	if (p.title.trim().length < 3 || p.title.length > 120) return { field: 'title', problem: 'title' };
	if (!(SESSION_KINDS as readonly string[]).includes(p.kind)) return { field: 'kind', problem: 'kind' };
	if (!(SESSION_MODES as readonly string[]).includes(p.mode)) return { field: 'mode', problem: 'mode' };
	if (p.mode === 'in_person' && !p.location.trim()) return { field: 'location', problem: 'place_required' };
	if (p.mode === 'virtual') {
		if (!p.url.trim()) return { field: 'url', problem: 'link_required' };
		if (!isHttpsUrl(p.url.trim())) return { field: 'url', problem: 'link_not_https' };
	}
	if (!p.startsAt) return { field: 'startsAt', problem: 'bad_time' };
	if (!p.endsAt) return { field: 'endsAt', problem: 'bad_time' };
	const start = Date.parse(p.startsAt);
	const end = Date.parse(p.endsAt);
	if (end <= start) return { field: 'endsAt', problem: 'end_before_start' };
	if (end - start > MAX_SESSION_HOURS * 3_600_000) return { field: 'endsAt', problem: 'too_long' };
	if (end <= now.getTime()) return { field: 'endsAt', problem: 'already_over' };
	if (start - now.getTime() > MAX_DAYS_AHEAD * 86_400_000) return { field: 'startsAt', problem: 'too_far' };
	if (!Number.isInteger(p.capacity) || p.capacity < 1 || p.capacity > MAX_CAPACITY)
		return { field: 'capacity', problem: 'capacity' };
	return null;
}

export function isHttpsUrl(text: string): boolean {
	try {
		const u = new URL(text);
		return u.protocol === 'https:' && !!u.hostname && !u.username && !u.password;
	} catch {
		return false;
	}
}
