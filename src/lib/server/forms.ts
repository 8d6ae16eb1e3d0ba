import * as v from 'valibot';
import { cleanLine, lineProblem, lineProblemMessage } from '../domain/text';

export type FormErrors = Record<string, string>;
export type FormValues = Record<string, string>;

export type Parsed<T> =
	{ ok: true; data: T; values: FormValues } | { ok: false; errors: FormErrors; values: FormValues };

/** Fields never echoed back to the page, whatever the outcome. */
const SECRET = /password|code$/i;

/**
 * One schema per form: validates on the server, and on failure returns a message per field plus
 * what was typed (never passwords), so the page can show both.
 */
export function parseForm<S extends v.GenericSchema<Record<string, unknown>>>(
	schema: S,
	form: FormData,
	keep: string[] = []
): Parsed<v.InferOutput<S>> {
	const raw: Record<string, string | string[]> = {};
	for (const [k, val] of form.entries()) {
		if (typeof val !== 'string') continue;
		if (k in raw) raw[k] = ([] as string[]).concat(raw[k], val);
		else raw[k] = val;
	}
	const values: FormValues = {};
	for (const [k, val] of Object.entries(raw)) {
		if (!SECRET.test(k) || keep.includes(k)) values[k] = Array.isArray(val) ? val.join(',') : val.slice(0, 2000);
	}
	const result = v.safeParse(schema, raw);
	if (result.success) return { ok: true, data: result.output, values };
	const errors: FormErrors = {};
	for (const issue of result.issues) {
		const key = v.getDotPath(issue) ?? '_form';
		errors[key] ??= issue.received === 'undefined' ? missingFieldMessage(schema, key, issue.message) : issue.message;
	}
	return { ok: false, errors, values };
}

/**
 * A field the request left out entirely (a hand-made POST, an old page) gets the message the field
 * gives when left empty ("Case number is required."), not the schema library's "Invalid key".
 */
function missingFieldMessage(schema: v.GenericSchema, key: string, fallback: string): string {
	const entry = 'entries' in schema ? (schema.entries as Record<string, v.GenericSchema>)[key] : undefined;
	if (!entry) return fallback;
	const empty = v.safeParse(entry, '');
	return empty.success ? fallback : empty.issues[0].message;
}

/**
 * One line of text that feeds a certificate's facts (names, offence, course details): refused, with
 * a message at the field, if it holds a control character; otherwise trimmed and stored in Unicode
 * NFC, so a name typed with decomposed accents signs the same bytes as one typed composed (see
 * domain/text.ts). The length limit counts the normalised text.
 */
function line(label: string, max: number) {
	return v.pipe(
		v.string(`${label} is required.`),
		v.rawCheck(({ dataset, addIssue }) => {
			const problem = dataset.typed ? lineProblem(dataset.value) : null;
			if (problem) addIssue({ message: lineProblemMessage(label, problem) });
		}),
		v.transform(cleanLine),
		v.maxLength(max, `${label} must be at most ${max} characters.`)
	);
}

// Reusable field schemas with messages a person can act on.
export const f = {
	/** A required line that may reach a certificate: NFC, no control characters. */
	line: (label: string, max = 200) => v.pipe(line(label, max), v.nonEmpty(`${label} is required.`)),
	/** The same, optional: '' when left empty. */
	optionalLine: (label: string, max = 200) => v.optional(line(label, max), ''),
	text: (label: string, max = 200) =>
		v.pipe(
			v.string(`${label} is required.`),
			v.trim(),
			v.nonEmpty(`${label} is required.`),
			v.maxLength(max, `${label} must be at most ${max} characters.`)
		),
	optionalText: (label: string, max = 200) =>
		v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, `${label} must be at most ${max} characters.`)), ''),
	/** A court case number as the referral, the certificate and its corrections all accept it. */
	caseNumber: () =>
		v.pipe(
			f.text('Case number', 40),
			v.regex(/^[A-Za-z0-9 ./-]+$/, 'Case numbers use letters, digits, dashes, dots and slashes only.')
		),
	date: (label: string) =>
		v.pipe(
			v.string(`${label} is required.`),
			v.trim(),
			v.nonEmpty(`${label} is required.`),
			v.regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date (YYYY-MM-DD).`),
			v.check(
				(s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s),
				`${label} is not a real date.`
			)
		),
	/** An optional date: '' when left empty. */
	optionalDate: (label: string) =>
		v.optional(
			v.union(
				[
					v.literal(''),
					v.pipe(
						v.string(),
						v.trim(),
						v.regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date (YYYY-MM-DD), or leave it empty.`),
						v.check(
							(s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s),
							`${label} is not a real date.`
						)
					)
				],
				`${label} must be a date (YYYY-MM-DD), or leave it empty.`
			),
			''
		),
	email: (label = 'E-mail') =>
		v.pipe(
			v.string(`${label} is required.`),
			v.trim(),
			v.nonEmpty(`${label} is required.`),
			v.maxLength(254),
			v.email(`Enter a valid e-mail address.`)
		),
	optionalEmail: () =>
		v.optional(
			v.union([
				v.literal(''),
				v.pipe(v.string(), v.trim(), v.maxLength(254), v.email('Enter a valid e-mail address, or leave it empty.'))
			]),
			''
		),
	password: (label = 'Password') =>
		v.pipe(
			v.string(`${label} is required.`),
			v.nonEmpty(`${label} is required.`),
			v.maxLength(1024, `${label} is too long.`)
		),
	checkbox: () =>
		v.optional(
			v.pipe(
				v.string(),
				v.transform((s) => s === 'on' || s === 'yes' || s === 'true')
			),
			'off'
		)
};

export function clientIp(event: { getClientAddress(): string; request: Request }): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
