// How many guesses (in bits) an attacker needs who tries common passwords, the person's own words,
// keyboard walks, sequences, repeats and dates before anything else. The password is split into the
// cheapest run of such pieces; what no pattern explains costs as much as a random digit per character.
// The idea follows zxcvbn's matchers (dictionary with l33t and reversal, spatial, sequence, repeat,
// date), cut down to what a 15-character minimum needs. Pure: the list of common passwords is passed in.
import { keyboardWalks } from './keyboard-walks';
import { MIN_WORD, sortWords, wordMatches, type SortedWords } from './word-lists';

export type PieceKind = 'common' | 'context' | 'pattern' | 'other';
export interface GuessEstimate {
	bits: number;
	/** What each piece of the cheapest split was, in order. */
	kinds: PieceKind[];
}
type Piece = { end: number; bits: number; kind: PieceKind };
/** Takes a piece that runs from the current position to end and costs bits. */
type Offer = (end: number, bits: number) => void;

const CHAR_BITS = Math.log2(10);
const SPACE_BITS = 1;
const MAX_REPEAT_UNIT = 32;

/** Case, width and compatibility forms (NFKC: ＡＢＣ, ﬁ) do not make a password harder to guess. */
export function normalisePassword(s: string): string {
	return s.normalize('NFKC').toLowerCase();
}

/**
 * The words a person's details give an attacker (each whole value, without separators, and its parts),
 * each priced as one pick among them.
 */
export function contextWords(values: string[]): SortedWords {
	const words = new Set<string>();
	for (const value of values) {
		const v = normalisePassword(value).trim();
		for (const w of [v, v.replace(/[^\p{L}\p{N}]+/gu, ''), ...v.split(/[^\p{L}\p{N}]+/u)])
			if ([...w].length >= MIN_WORD) words.add(w);
	}
	const bits = Math.log2(words.size + 1);
	return sortWords([...words].map((w) => [w, bits]));
}

/** common: the list of common passwords, priced by rank; context: the person's and the program's words. */
export function estimateGuessBits(password: string, common: SortedWords, context: SortedWords): GuessEstimate {
	const chars = [...normalisePassword(password)];
	const n = chars.length;
	const pieces: Piece[][] = chars.map(() => []);
	// Reversed words (drowssap) come from the same search on the reversed password, mapped back.
	const reversed = [...chars].reverse();
	for (const [list, kind] of [
		[common, 'common'],
		[context, 'context']
	] as const) {
		for (let i = 0; i < n; i++) {
			for (const m of wordMatches(chars, i, list, true)) pieces[i].push({ ...m, kind });
			for (const m of wordMatches(reversed, i, list, false))
				pieces[n - m.end].push({ end: n - i, bits: m.bits + 1, kind });
		}
	}

	const best = new Float64Array(n + 1).fill(Infinity);
	const fromAt = new Int32Array(n + 1);
	const fromKind: PieceKind[] = new Array(n + 1);
	best[0] = 0;
	for (let i = 0; i < n; i++) {
		const offer = (end: number, bits: number, kind: PieceKind = 'pattern') => {
			if (best[i] + bits < best[end]) {
				best[end] = best[i] + bits;
				fromAt[end] = i;
				fromKind[end] = kind;
			}
		};
		offer(i + 1, /\s/u.test(chars[i]) ? SPACE_BITS : CHAR_BITS, 'other');
		for (const p of pieces[i]) offer(p.end, p.bits, p.kind);
		sequences(chars, i, offer);
		keyboardWalks(chars, i, offer);
		repeats(chars, i, offer);
		dates(chars, i, offer);
	}
	const kinds: PieceKind[] = [];
	for (let j = n; j > 0; j = fromAt[j]) kinds.unshift(fromKind[j]);
	return { bits: best[n], kinds };
}

/** abcdef, 97531, zyx: letters or digits with a steady step of 1 or 2. */
function sequences(chars: string[], i: number, offer: Offer): void {
	const code = (k: number) => chars[k].codePointAt(0)!;
	const kind = (k: number) => (/[0-9]/.test(chars[k]) ? 10 : /[a-z]/.test(chars[k]) ? 26 : 0);
	if (i + 1 >= chars.length || !kind(i) || kind(i + 1) !== kind(i)) return;
	const step = code(i + 1) - code(i);
	if (step === 0 || Math.abs(step) > 2) return;
	for (let j = i + 2; j < chars.length && kind(j) === kind(i) && code(j) - code(j - 1) === step; j++) {
		offer(j + 1, Math.log2(kind(i)) + Math.log2(j + 1 - i) + (step < 0 ? 1 : 0) + (Math.abs(step) === 2 ? 1 : 0));
	}
}

/** The k characters just before i again, once or more (passwordpassword, aaaa), or a piece seen earlier. */
function repeats(chars: string[], i: number, offer: Offer): void {
	for (let k = 1; k <= Math.min(i, MAX_REPEAT_UNIT); k++) {
		// A unit that is itself a repeat (abab) reaches no end its own unit (ab) does not, at no lower cost.
		if (isRepeatOfShorter(chars, i - k, k)) continue;
		let run = 0;
		while (i + run < chars.length && chars[i + run] === chars[i + run - k]) run++;
		for (let copies = 1; copies * k <= run; copies++) offer(i + copies * k, 1 + Math.log2(k) + Math.log2(copies));
	}
	let longest = 0;
	for (let p = 0; p < i && longest < MAX_REPEAT_UNIT; p++) {
		let k = 0;
		while (p + k < i && i + k < chars.length && k < MAX_REPEAT_UNIT && chars[p + k] === chars[i + k]) k++;
		longest = Math.max(longest, k);
	}
	for (let k = MIN_WORD; k <= longest; k++) offer(i + k, 1 + Math.log2(i) + Math.log2(k));
}

function isRepeatOfShorter(chars: string[], start: number, k: number): boolean {
	for (let d = 1; d < k; d++) {
		if (k % d !== 0) continue;
		let same = true;
		for (let t = 0; t + d < k && same; t++) same = chars[start + t] === chars[start + t + d];
		if (same) return true;
	}
	return false;
}

/** A year 1900–2099, or a date written as 8 or 6 digits (mmddyyyy, ddmmyyyy, yyyymmdd, mmddyy, ddmmyy). */
function dates(chars: string[], i: number, offer: Offer): void {
	const digits = (len: number) => {
		const d = chars.slice(i, i + len).join('');
		return d.length === len && /^\d+$/.test(d) ? d : null;
	};
	const y4 = digits(4);
	if (y4 && isYear(+y4)) offer(i + 4, Math.log2(200));
	const d8 = digits(8);
	if (
		d8 &&
		(isDate(d8.slice(4), d8.slice(0, 2), d8.slice(2, 4)) ||
			isDate(d8.slice(4), d8.slice(2, 4), d8.slice(0, 2)) ||
			isDate(d8.slice(0, 4), d8.slice(4, 6), d8.slice(6)))
	) {
		offer(i + 8, Math.log2(200 * 366));
	}
	const d6 = digits(6);
	if (
		d6 &&
		(isDate('19' + d6.slice(4), d6.slice(0, 2), d6.slice(2, 4)) ||
			isDate('19' + d6.slice(4), d6.slice(2, 4), d6.slice(0, 2)))
	) {
		offer(i + 6, Math.log2(100 * 366));
	}
}

const isYear = (y: number) => y >= 1900 && y <= 2099;
const isDate = (year: string, month: string, day: string) =>
	isYear(+year) && +month >= 1 && +month <= 12 && +day >= 1 && +day <= 31;
