import * as v from 'valibot';
import { dateTimeFormat, isTimeZone } from './formatters';
import { lineProblem } from './text';

/** A one-line text setting printed on certificates: null when not set; stored NFC, without control characters. */
const certificateLine = (max: number) =>
	v.optional(
		v.nullable(
			v.pipe(
				v.string(),
				v.nonEmpty(),
				v.maxLength(max),
				v.check(
					(s) => lineProblem(s) === null && s === s.normalize('NFC') && s === s.trim(),
					'must be one trimmed line in NFC'
				)
			)
		),
		null
	);

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
	timeZone: v.optional(v.pipe(v.string(), v.check(isTimeZone, 'unknown time zone')), 'America/Chicago'),
	retentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(30)), 7 * 365),
	/** Every staff member of the program (its courts' staff too) must sign in with a second factor. */
	staffTwoFactorRequired: v.optional(v.boolean(), false),
	// What a certificate states about the course and its provider (16 TAC §92.51). Not set: the
	// course name is the curriculum's title, and the others are left off the certificate.
	/** The course's name on certificates; null: the title of the curriculum version completed. */
	courseName: certificateLine(200),
	/** The course's number, where the state or county gives one (e.g. a course approval number). */
	courseNumber: certificateLine(60),
	/** The provider's registration or licence number with the state or county. */
	providerId: certificateLine(60),
	/** The provider's telephone number, for a court that wants to ask. */
	providerPhone: certificateLine(30)
});

export type ProgramSettings = v.InferOutput<typeof ProgramSettingsSchema>;

// Every request that measures a participant parses his program's settings: parsed once per distinct
// JSON text (a program has one at a time), kept frozen so no caller can change what others share.
const parsed = new Map<string, ProgramSettings>();
const MAX_PARSED = 200;

export function parseProgramSettings(json: string): ProgramSettings {
	let s = parsed.get(json);
	if (!s) {
		s = deepFreeze(v.parse(ProgramSettingsSchema, JSON.parse(json)));
		if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
		parsed.set(json, s);
	}
	return s;
}

function deepFreeze<T>(o: T): T {
	if (o && typeof o === 'object') {
		for (const value of Object.values(o)) deepFreeze(value);
		Object.freeze(o);
	}
	return o;
}

/** YYYY-MM-DD of an instant in the given time zone. */
export function localDate(iso: string, timeZone: string): string {
	return dateTimeFormat('en-CA', { timeZone }).format(new Date(iso));
}

export function requiredSeatSeconds(moduleMinSeconds: number, settings: ProgramSettings): number {
	return Math.ceil((moduleMinSeconds * settings.seatTimePercent) / 100);
}
