import * as v from 'valibot';

// Program settings are data, not code: every county can set its own requirements.
export const ProgramSettingsSchema = v.object({
	passMark: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 80),
	maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 3),
	/** Percent of each module's minimum seat time that is required (100 = as written). */
	seatTimePercent: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 100),
	requiredSessionKinds: v.optional(v.array(v.string()), []),
	lateCountsAsPresent: v.optional(v.boolean(), false),
	feeRequired: v.optional(v.boolean(), true),
	enrollmentCodeDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 60),
	/** The program's own time zone: completion dates on certificates are local dates. */
	timeZone: v.optional(v.pipe(v.string(), v.check((tz) => { try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; } }, 'unknown time zone')), 'America/Chicago'),
	retentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(30)), 7 * 365),
	/** Every staff member of the program (its courts' staff too) must sign in with a second factor. */
	staffTwoFactorRequired: v.optional(v.boolean(), false)
});

export type ProgramSettings = v.InferOutput<typeof ProgramSettingsSchema>;

export function parseProgramSettings(json: string): ProgramSettings {
	return v.parse(ProgramSettingsSchema, JSON.parse(json));
}

/** YYYY-MM-DD of an instant in the given time zone. */
export function localDate(iso: string, timeZone: string): string {
	return new Date(iso).toLocaleDateString('en-CA', { timeZone });
}

export function requiredSeatSeconds(moduleMinSeconds: number, settings: ProgramSettings): number {
	return Math.ceil((moduleMinSeconds * settings.seatTimePercent) / 100);
}
