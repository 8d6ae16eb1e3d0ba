// NIST SP 800-63B-4 §3.1.1.2: length, no composition rules, a blocklist of common and context words.
// With 15 characters at least, a listed password rarely is the whole password: it is padded, doubled
// or joined to a name, a year or a keyboard walk. So the password is split into such pieces
// (password-guesses.ts) and refused when what an attacker trying them first would need is too little.
import { contextWords as contextList, estimateGuessBits } from './password-guesses';
import type { SortedWords } from './word-lists';

export const MIN_PASSWORD_LENGTH = 15;
export const MAX_PASSWORD_LENGTH = 256;
/** 10^10 guesses: the line above which zxcvbn calls a password safe against offline slow-hash attacks. */
export const MIN_GUESS_BITS = Math.log2(1e10);

// Words of this program and its place: the first an attacker who knows where the account lives tries.
const PROGRAM_WORDS = [
	'john',
	'school',
	'johnschool',
	'program',
	'ramsey',
	'county',
	'court',
	'breaking',
	'free',
	'breakingfree',
	'offender',
	'offenders',
	'prostitution',
	'certificate',
	'participant',
	'facilitator',
	'probation',
	'minnesota',
	'vikings',
	'twins',
	'saintpaul',
	'stpaul',
	'minneapolis'
];

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'repetitive';

/**
 * The policy's answer for a password, given the list of common passwords (kept on the server: see
 * server/auth/password-blocklist.ts) and the words tied to the person (name, e-mail, case number).
 */
export function passwordProblemAgainst(
	common: SortedWords,
	password: string,
	contextWords: string[] = []
): PasswordProblem | null {
	const length = [...password].length;
	if (length < MIN_PASSWORD_LENGTH) return 'too_short';
	if (length > MAX_PASSWORD_LENGTH) return 'too_long';
	const estimate = estimateGuessBits(password, common, contextList([...PROGRAM_WORDS, ...contextWords]));
	if (estimate.bits >= MIN_GUESS_BITS) return null;
	const words = estimate.kinds.some((k) => k === 'common' || k === 'context');
	return !words && estimate.kinds.filter((k) => k === 'other').length <= 1 ? 'repetitive' : 'common';
}

export const passwordMessages: Record<PasswordProblem, string> = {
	too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters. A short sentence you will remember works well.`,
	too_long: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
	common:
		'That password is too easy to guess: it is built from common passwords, words tied to you or this program, or dates. Add a few words of your own or try a different phrase.',
	repetitive:
		'That password is a repeated, sequential or keyboard pattern (like aaaa, 1234 or qwerty). Try a short sentence instead.'
};
