// Display helpers shared by pages (no server code).
import { dateTimeFormat } from './domain/formatters';

export function minutes(seconds: number): string {
	const m = Math.floor(seconds / 60);
	if (m < 10)
		return m === 0 ? `${Math.floor(seconds)} s` : `${m} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
	if (m < 60) return `${m} min`;
	return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * "2026-06-10" → "June 10, 2026". A calendar date is shown as written; an instant is shown as the
 * day it was in `timeZone` (UTC unless given).
 */
export function longDate(isoDate: string, timeZone = 'UTC'): string {
	const day = isoDate.length === 10;
	const d = new Date(day ? `${isoDate}T12:00:00Z` : isoDate);
	return dateTimeFormat('en-US', {
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		timeZone: day ? 'UTC' : timeZone
	}).format(d);
}

/** "2026-11-22" → "Nov 22, 2026", for tables with little room. */
export function shortDate(isoDate: string): string {
	const d = new Date(`${isoDate.slice(0, 10)}T12:00:00Z`);
	return dateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function dateTime(iso: string): string {
	return (
		dateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/Chicago' }).format(
			new Date(iso)
		) + ' CT'
	);
}

export function daysUntil(isoDate: string, today = new Date().toISOString().slice(0, 10)): number {
	return Math.round((Date.parse(isoDate) - Date.parse(today)) / 86_400_000);
}

/** e.g. "Jun 10, 2026, 10:00 AM CDT" in the given IANA zone. */
export function zonedDateTime(iso: string, timeZone: string): string {
	return dateTimeFormat('en-US', {
		year: 'numeric',
		month: 'short',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZone,
		timeZoneName: 'short'
	}).format(new Date(iso));
}

/** How long something has waited, in the largest sensible unit ("45 min", "5 h", "3 days"). */
export function waited(seconds: number): string {
	const m = Math.floor(seconds / 60);
	if (m < 60) return `${Math.max(m, 1)} min`;
	const h = Math.floor(m / 60);
	if (h < 48) return `${h} h`;
	return `${Math.floor(h / 24)} days`;
}

/** "due today", "in 3 days", "2 days overdue". */
export function dueIn(daysLeft: number): string {
	if (daysLeft === 0) return 'due today';
	if (daysLeft === 1) return 'due tomorrow';
	if (daysLeft > 1) return `in ${daysLeft} days`;
	return daysLeft === -1 ? '1 day overdue' : `${-daysLeft} days overdue`;
}

/** How long to wait before trying again: "20 seconds", "1 minute", "30 minutes". */
export function waitText(seconds: number): string {
	if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
	const m = Math.ceil(seconds / 60);
	if (m < 90) return `${m} minute${m === 1 ? '' : 's'}`;
	const h = Math.ceil(m / 60);
	return `${h} hours`;
}
