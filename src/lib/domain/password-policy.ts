// NIST SP 800-63B-4 §3.1.1.2: length, no composition rules, a blocklist of common and context words.
export const MIN_PASSWORD_LENGTH = 15;
export const MAX_PASSWORD_LENGTH = 256;

// The most common passwords and their stems, plus this domain's own words.
const COMMON = [
	'password', 'passw0rd', 'qwerty', 'qwertyuiop', 'asdfgh', 'zxcvbn', 'letmein', 'welcome', 'iloveyou',
	'admin', 'administrator', 'login', 'master', 'dragon', 'monkey', 'football', 'baseball', 'basketball',
	'hockey', 'soccer', 'superman', 'batman', 'sunshine', 'princess', 'shadow', 'michael', 'jordan',
	'trustno1', 'starwars', 'whatever', 'freedom', 'secret', 'changeme', 'default', 'abc', 'abcdef',
	'test', 'guest', 'user', 'summer', 'winter', 'spring', 'autumn', 'january', 'december', 'minnesota',
	'vikings', 'twins', 'saintpaul', 'stpaul', 'minneapolis'
];
const DOMAIN = ['john', 'school', 'johnschool', 'program', 'ramsey', 'county', 'court', 'breaking', 'free', 'breakingfree', 'offender', 'offenders', 'prostitution', 'certificate', 'participant', 'facilitator', 'probation'];

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'repetitive';

export function passwordProblem(password: string, contextWords: string[] = []): PasswordProblem | null {
	const length = [...password].length;
	if (length < MIN_PASSWORD_LENGTH) return 'too_short';
	if (length > MAX_PASSWORD_LENGTH) return 'too_long';
	const lower = password.normalize('NFKC').toLowerCase();
	if (/^(.)\1+$/u.test(lower) || isSequence(lower)) return 'repetitive';

	const words = [...COMMON, ...DOMAIN, ...contextWords.flatMap(splitWords)]
		.filter((w) => w.length >= 3)
		.sort((a, b) => b.length - a.length);
	let rest = lower.replace(/[^\p{L}\p{N}]+/gu, '');
	for (const w of words) rest = rest.split(w).join('');
	// What is left once every common or context word is taken out must still be a real secret.
	rest = rest.replace(/\d+/g, (d) => (isSequence(d) || d.length <= 4 ? '' : d));
	if ([...rest].length < 8) return 'common';
	return null;
}

export const passwordMessages: Record<PasswordProblem, string> = {
	too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters. A short sentence you will remember works well.`,
	too_long: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
	common: 'That password is too common or uses words tied to you or this program. Try a different phrase.',
	repetitive: 'That password is a repeated or sequential pattern. Try a short sentence instead.'
};

function splitWords(s: string): string[] {
	return s
		.normalize('NFKC')
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter(Boolean);
}

function isSequence(s: string): boolean {
	if (s.length < 4) return false;
	const codes = [...s].map((c) => c.codePointAt(0)!);
	const step = codes[1] - codes[0];
	if (Math.abs(step) !== 1) return false;
	return codes.every((c, i) => i === 0 || c - codes[i - 1] === step);
}
