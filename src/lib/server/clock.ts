import { dateTimeFormat } from '../domain/formatters';

// One place to read the time, so tests can move it (idle and absolute timeouts, rate limits, seat time).
let offsetMs = 0;
let fixed: number | null = null;

export const clock = {
	now(): Date {
		return new Date((fixed ?? Date.now()) + offsetMs);
	},
	iso(): string {
		return clock.now().toISOString();
	},
	/** Test-only. */
	set(date: Date | null) {
		fixed = date ? date.getTime() : null;
		offsetMs = 0;
	},
	/** Test-only. */
	advance(ms: number) {
		offsetMs += ms;
	}
};

/** Today's date where the courts are (dates like "due" and "referred" are local dates, not UTC ones). */
export function today(timeZone = process.env.APP_TIME_ZONE || 'America/Chicago'): string {
	return dateTimeFormat('en-CA', { timeZone }).format(clock.now());
}
