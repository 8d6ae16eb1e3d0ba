/**
 * One-line text that ends up on a certificate (names, court, offence, course details). Signed facts
 * are compared byte for byte (RFC 8785 does not normalise), so the same name must always be the same
 * bytes: it is stored in Unicode NFC, whatever form the keyboard sent ("é" typed as e + U+0301 is
 * stored as U+00E9). Characters that cannot be seen or that change how the text around them reads
 * are refused rather than silently removed, so the person typing learns of them.
 */

/**
 * Control characters (Unicode Cc: C0, DEL, C1; a tab or line break in a one-line field), the line
 * and paragraph separators, and the bidirectional overrides and isolates, which make a name display
 * in another order than it is stored (the "Trojan Source" trick). Joiners (U+200C, U+200D) stay:
 * some scripts need them.
 */
const REFUSED = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export type LineProblem = 'control' | 'malformed';

/** Why a one-line text cannot be stored, or null. */
export function lineProblem(s: string): LineProblem | null {
	if (!s.isWellFormed()) return 'malformed';
	if (REFUSED.test(s)) return 'control';
	return null;
}

/** Trimmed and in NFC (call after lineProblem says null). */
export function cleanLine(s: string): string {
	return s.normalize('NFC').trim();
}

/** NFC of a stored value that may be absent. */
export function nfc<T extends string | null | undefined>(s: T): T {
	return (typeof s === 'string' ? s.normalize('NFC') : s) as T;
}

export function lineProblemMessage(label: string, problem: LineProblem): string {
	return problem === 'control'
		? `${label} contains an invisible control character (such as a tab, a line break or a direction mark). Type it again in this box rather than pasting it.`
		: `${label} contains a character that cannot be stored. Type it again in this box rather than pasting it.`;
}
