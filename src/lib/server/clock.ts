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

export function today(): string {
	return clock.iso().slice(0, 10);
}
