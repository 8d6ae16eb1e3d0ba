// Wall-clock times in a program's time zone. A facilitator types "6:00 PM on the 24th" where the
// program is; the database keeps the UTC instant. The zone arithmetic is @date-fns/tz's (TZDate).
import { TZDate } from '@date-fns/tz';
import { dateTimeFormat, formatPart } from './formatters';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * The UTC instant (ISO-8601) of a local "YYYY-MM-DDTHH:MM" in `timeZone`, or null when the text is not a
 * real date and time. A time skipped by a daylight-saving jump moves forward by the jump (2:30 AM on
 * the spring-forward day is 3:30 AM); a repeated time takes its first occurrence (TZDate's rules).
 */
export function zonedToUtc(local: string, timeZone: string): string | null {
	const m = LOCAL.exec(local);
	if (!m) return null;
	const [y, mo, d, h, mi] = m.slice(1).map(Number);
	const check = new Date(Date.UTC(y, mo - 1, d, h, mi));
	if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59)
		return null;
	return new Date(new TZDate(y, mo - 1, d, h, mi, timeZone).getTime()).toISOString();
}

const two = (n: number) => String(n).padStart(2, '0');

/** The local "YYYY-MM-DDTHH:MM" of an instant in `timeZone` (the value a datetime-local input takes). */
export function utcToZoned(iso: string, timeZone: string): string {
	const t = new TZDate(Date.parse(iso), timeZone);
	return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}T${two(t.getHours())}:${two(t.getMinutes())}`;
}

/** "Tue, Nov 24, 2026, 6:00 – 8:30 PM CST": when a session runs, as people where it runs read it. */
export function formatSessionTime(startIso: string, endIso: string, timeZone: string): string {
	const range = dateTimeFormat('en-US', {
		timeZone,
		weekday: 'short',
		month: 'short',
		day: 'numeric',
		year: 'numeric',
		hour: 'numeric',
		minute: '2-digit'
	});
	const zone =
		formatPart(dateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }), new Date(startIso), 'timeZoneName') ??
		timeZone;
	// formatRange collapses the shared date; the narrow no-break spaces ICU uses are normalised for readers and tests.
	return `${range.formatRange(new Date(startIso), new Date(endIso)).replace(/[\u202f\u2009]/g, ' ')} ${zone}`;
}

/** "Central Time (America/Chicago)": the zone as people say it, with its exact name. */
export function zoneName(timeZone: string): string {
	const generic = formatPart(
		dateTimeFormat('en-US', { timeZone, timeZoneName: 'longGeneric' }),
		new Date(),
		'timeZoneName'
	);
	return generic && generic !== timeZone ? `${generic} (${timeZone})` : timeZone;
}
