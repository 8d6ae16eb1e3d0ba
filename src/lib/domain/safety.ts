// Safety flags on reflections: a disclosure about a minor, a risk of self-harm,
// or a threat must reach a person quickly. Staff raise a flag from the grading page; a conservative
// phrase screen also raises one when a reflection is submitted, so it is read first. The screen only
// points a person at the text: it never decides anything, and a false alarm costs one reading.

export const SAFETY_CATEGORIES = ['minor', 'self_harm', 'threat', 'other'] as const;
export type SafetyCategory = (typeof SAFETY_CATEGORIES)[number];

export const SAFETY_LABELS: Record<SafetyCategory, string> = {
	minor: 'Possible involvement of a minor',
	self_harm: 'Possible risk of self-harm',
	threat: 'Possible threat to someone',
	other: 'Other safety concern'
};

const PATTERNS: Record<Exclude<SafetyCategory, 'other'>, RegExp[]> = {
	minor: [
		/\b(1[0-7]|[0-9])[ -]?(year|yr)s?[ -]?old\b/i,
		/\bunder ?age(d)?\b/i,
		/\bminors?\b/i,
		/\b(a|the) (child|kid|teen|teenager|girl in high school)\b/i,
		/\bhigh school(er)?\b/i
	],
	self_harm: [
		/\b(kill|hurt|harm) (myself|me)\b/i,
		/\bsuicid(e|al)\b/i,
		/\bend (it all|my life)\b/i,
		/\b(don'?t|do not) want to (live|be alive)\b/i,
		/\bno reason to live\b/i
	],
	threat: [
		/\b(kill|hurt|beat|shoot|stab) (her|him|them|you|someone|somebody)\b/i,
		/\bget (back at|even with)\b/i,
		/\bmake (her|him|them) pay\b/i
	]
};

/** The categories whose phrases a text contains (each once), in a fixed order. */
export function screenText(text: string): SafetyCategory[] {
	return (Object.keys(PATTERNS) as (keyof typeof PATTERNS)[]).filter((c) => PATTERNS[c].some((p) => p.test(text)));
}
