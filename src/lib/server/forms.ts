import * as v from 'valibot';

export type FormErrors = Record<string, string>;
export type FormValues = Record<string, string>;

export type Parsed<T> = { ok: true; data: T; values: FormValues } | { ok: false; errors: FormErrors; values: FormValues };

/** Fields never echoed back to the page, whatever the outcome. */
const SECRET = /password|code$/i;

/**
 * One schema per form: validates on the server, and on failure returns a message per field plus
 * what was typed (never passwords), so the page can show both.
 */
export function parseForm<S extends v.GenericSchema<Record<string, unknown>>>(schema: S, form: FormData, keep: string[] = []): Parsed<v.InferOutput<S>> {
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
		errors[key] ??= issue.message;
	}
	return { ok: false, errors, values };
}

// Reusable field schemas with messages a person can act on.
export const f = {
	text: (label: string, max = 200) =>
		v.pipe(v.string(`${label} is required.`), v.trim(), v.nonEmpty(`${label} is required.`), v.maxLength(max, `${label} must be at most ${max} characters.`)),
	optionalText: (label: string, max = 200) =>
		v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, `${label} must be at most ${max} characters.`)), ''),
	date: (label: string) =>
		v.pipe(
			v.string(`${label} is required.`),
			v.trim(),
			v.nonEmpty(`${label} is required.`),
			v.regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date (YYYY-MM-DD).`),
			v.check((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s), `${label} is not a real date.`)
		),
	email: (label = 'E-mail') =>
		v.pipe(v.string(`${label} is required.`), v.trim(), v.nonEmpty(`${label} is required.`), v.maxLength(254), v.email(`Enter a valid e-mail address.`)),
	optionalEmail: () => v.optional(v.union([v.literal(''), v.pipe(v.string(), v.trim(), v.maxLength(254), v.email('Enter a valid e-mail address, or leave it empty.'))]), ''),
	password: (label = 'Password') => v.pipe(v.string(`${label} is required.`), v.nonEmpty(`${label} is required.`), v.maxLength(1024, `${label} is too long.`)),
	checkbox: () => v.optional(v.pipe(v.string(), v.transform((s) => s === 'on' || s === 'yes' || s === 'true')), 'off')
};

export function clientIp(event: { getClientAddress(): string; request: Request }): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
