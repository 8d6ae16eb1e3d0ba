// Wall-clock times in a program's time zone, without a date library. A facilitator types "6:00 PM
// on the 24th" where the program is; the database keeps the UTC instant.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Minutes east of UTC of `timeZone` at the instant `ms`. */
function offsetMinutes(ms: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms));
	const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
	const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
	return Math.round((asUtc - (ms - (ms % 1000))) / 60_000);
}

/**
 * The UTC instant (ISO-8601) of a local "YYYY-MM-DDTHH:MM" in `timeZone`, or null when the text is not a
 * real date and time. A time skipped by a daylight-saving jump moves forward by the jump (2:30 AM on
 * the spring-forward day is 3:30 AM); a repeated time takes its first occurrence.
 */
export function zonedToUtc(local: string, timeZone: string): string | null {
	const m = LOCAL.exec(local);
	if (!m) return null;
	const [y, mo, d, h, mi] = m.slice(1).map(Number);
	const naive = Date.UTC(y, mo - 1, d, h, mi);
	const check = new Date(naive);
	if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null;
	// Two passes settle the offset on either side of a transition.
	const first = naive - offsetMinutes(naive, timeZone) * 60_000;
	const second = naive - offsetMinutes(first, timeZone) * 60_000;
	const earlier = Math.min(first, second);
	return new Date(utcToZoned(new Date(earlier).toISOString(), timeZone) === local ? earlier : Math.max(first, second)).toISOString();
}

/** The local "YYYY-MM-DDTHH:MM" of an instant in `timeZone` (the value a datetime-local input takes). */
export function utcToZoned(iso: string, timeZone: string): string {
	const ms = Date.parse(iso);
	const local = new Date(ms + offsetMinutes(ms, timeZone) * 60_000);
	return local.toISOString().slice(0, 16);
}

/** "Tue, Nov 24, 2026, 6:00 – 8:30 PM CST": when a session runs, as people where it runs read it. */
export function formatSessionTime(startIso: string, endIso: string, timeZone: string): string {
	const range = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
	const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(new Date(startIso)).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
	// formatRange collapses the shared date; the narrow no-break spaces ICU uses are normalised for readers and tests.
	return `${range.formatRange(new Date(startIso), new Date(endIso)).replace(/[\u202f\u2009]/g, ' ')} ${zone}`;
}

/** "Central Time (America/Chicago)": the zone as people say it, with its exact name. */
export function zoneName(timeZone: string): string {
	const generic = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longGeneric' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value;
	return generic && generic !== timeZone ? `${generic} (${timeZone})` : timeZone;
}
