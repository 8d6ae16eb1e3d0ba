// Changing a scheduled session, pure rules: what changed between two plans, what may change once
// attendance is taken, when a walk-in may be added, and what a registrant is told. No I/O here.
import type { PlanField, SessionPlan, SessionStatus } from './live-sessions';

/** Once attendance is taken these stay as they are: kind decides completion, times and capacity are history. */
export const FIXED_AFTER_ATTENDANCE: readonly PlanField[] = ['kind', 'mode', 'startsAt', 'endsAt', 'capacity'];
const TIME_FIELDS: readonly PlanField[] = ['startsAt', 'endsAt'];
const PLACE_FIELDS: readonly PlanField[] = ['mode', 'location', 'url'];

/** A plan as stored: the place only for in person, the link only for virtual. */
function normalised(p: SessionPlan): SessionPlan {
	return {
		...p,
		title: p.title.trim(),
		location: p.mode === 'in_person' ? p.location.trim() : '',
		url: p.mode === 'virtual' ? p.url.trim() : ''
	};
}

const sameInstant = (a: string | null, b: string | null) =>
	a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));

/** The fields that differ between the session as it is and as the edit would leave it. */
export function planChanges(before: SessionPlan, after: SessionPlan): PlanField[] {
	const a = normalised(before);
	const b = normalised(after);
	const fields: PlanField[] = ['title', 'kind', 'mode', 'location', 'url', 'startsAt', 'endsAt', 'capacity'];
	return fields.filter((f) => (f === 'startsAt' || f === 'endsAt' ? !sameInstant(a[f], b[f]) : a[f] !== b[f]));
}

export const timeChanged = (changed: PlanField[]) => changed.some((f) => TIME_FIELDS.includes(f));
export const placeChanged = (changed: PlanField[]) => changed.some((f) => PLACE_FIELDS.includes(f));

export type EditRefusal =
	| { problem: 'cancelled' | 'ended' }
	| { problem: 'fixed_after_attendance'; field: PlanField }
	| { problem: 'capacity_below_registered'; registered: number };

/**
 * Whether an edit may be saved: not once the session is over or cancelled; after attendance only the
 * title, place and link; and capacity not lowered below those registered (walk-ins may already have
 * taken it past capacity, so leaving it as it is stays allowed).
 */
export function checkSessionEdit(
	status: SessionStatus,
	changed: PlanField[],
	c: { registered: number; marked: number; capacityAfter: number }
): EditRefusal | null {
	if (status === 'cancelled' || status === 'ended') return { problem: status };
	if (c.marked) {
		const field = changed.find((f) => FIXED_AFTER_ATTENDANCE.includes(f));
		if (field) return { problem: 'fixed_after_attendance', field };
	}
	if (changed.includes('capacity') && c.capacityAfter < c.registered)
		return { problem: 'capacity_below_registered', registered: c.registered };
	return null;
}

/**
 * A walk-in can be added from the start of the session's day in the program's zone (people arrive
 * early), while it runs, and afterwards with the rest of the attendance paperwork; never to a
 * cancelled session. `localDay` gives "YYYY-MM-DD" of an instant in the program's zone.
 */
export function walkInOpen(
	s: { starts_at: string; status: SessionStatus },
	now: Date,
	localDay: (iso: string) => string
): boolean {
	if (s.status === 'cancelled') return false;
	if (s.status !== 'upcoming') return true;
	return localDay(s.starts_at) <= localDay(now.toISOString());
}

export interface ChangeSince {
	cancelled: boolean;
	time: boolean;
	place: boolean;
}

/** What happened to a session after he registered for it (null: nothing to tell him). */
export function changeSinceRegistration(
	s: { cancelled_at: string | null; time_changed_at: string | null; place_changed_at: string | null },
	registeredAt: string
): ChangeSince | null {
	const after = (t: string | null) => t !== null && Date.parse(t) > Date.parse(registeredAt);
	const change = { cancelled: after(s.cancelled_at), time: after(s.time_changed_at), place: after(s.place_changed_at) };
	return change.cancelled || change.time || change.place ? change : null;
}

/**
 * The sentence a registrant reads: "Cancelled: …" or "Changed: … is now …". The place is named for
 * in person; for virtual he is sent to his sessions page, where the link shows to those registered.
 */
export function changeNotice(
	n: ChangeSince & { title: string; when: string; mode: string; location: string | null }
): string {
	if (n.cancelled) return `Cancelled: ${n.title} (${n.when}) was cancelled by the program.`;
	const where = n.mode === 'virtual' ? 'online (the meeting link is on your sessions page)' : `at ${n.location}`;
	if (n.time && n.place) return `Changed: ${n.title} is now ${n.when}, ${where}.`;
	if (n.time) return `Changed: ${n.title} is now ${n.when}.`;
	return n.mode === 'virtual'
		? `Changed: ${n.title} (${n.when}) is online: use the meeting link on your sessions page.`
		: `Changed: ${n.title} (${n.when}) is now at ${n.location}.`;
}
