// Word lists sorted for prefix search, and the search itself: every listed word (or a l33t spelling of
// one) that starts at a position. Narrowing a range of the sorted list one character at a time keeps a
// 256-character password to a few thousand character comparisons, with no strings built on the way.

export interface SortedWords {
	/** Normalised words in code-unit order (the default sort). */
	readonly words: readonly string[];
	/** What guessing words[k] costs an attacker, in bits. */
	readonly bits: ArrayLike<number>;
}

export type WordMatch = { end: number; bits: number };

export const MIN_WORD = 3;
export const MAX_WORD = 32;
const MAX_VARIANTS = 16;

// Substitutions people make in words (l33t): what a character may stand for.
const LEET: Record<string, string> = {
	'4': 'a',
	'@': 'a',
	'8': 'b',
	'(': 'c',
	'3': 'e',
	'6': 'g',
	'9': 'g',
	'1': 'il',
	'!': 'i',
	'|': 'il',
	'0': 'o',
	$: 's',
	'5': 's',
	'7': 'tl',
	'+': 't',
	'%': 'x',
	'2': 'z'
};

/** A list from [word, bits] pairs; a word given twice keeps its cheaper cost. */
export function sortWords(entries: Iterable<[string, number]>): SortedWords {
	const cost = new Map<string, number>();
	for (const [w, b] of entries) if (!(cost.get(w)! <= b)) cost.set(w, b);
	const words = [...cost.keys()].sort();
	return { words, bits: Float64Array.from(words, (w) => cost.get(w)!) };
}

/** Listed words that start at chars[i]; with leet, also spellings like p@ssw0rd (one bit per swap). */
export function wordMatches(chars: readonly string[], i: number, list: SortedWords, leet: boolean): WordMatch[] {
	const { words } = list;
	const found: WordMatch[] = [];
	// Each cursor is a range [lo, hi) of words that begin with what was read so far (depth code units).
	let cursors = [0, words.length, 0, 0]; // lo, hi, depth, substitutions; four numbers per cursor
	for (let j = i; j < chars.length && j < i + MAX_WORD && cursors.length > 0; j++) {
		const next: number[] = [];
		const alternatives = (leet && LEET[chars[j]]) || '';
		for (let c = 0; c < cursors.length && next.length < 4 * MAX_VARIANTS; c += 4) {
			// The character as typed (k = -1), then each letter it may stand for.
			for (let k = -1; k < alternatives.length; k++) {
				const s = k < 0 ? chars[j] : alternatives[k];
				let lo = cursors[c];
				let hi = cursors[c + 1];
				let depth = cursors[c + 2];
				for (let u = 0; u < s.length && lo < hi; u++, depth++) {
					const code = s.charCodeAt(u);
					lo = firstAtLeast(words, lo, hi, depth, code);
					hi = firstAtLeast(words, lo, hi, depth, code + 1);
				}
				if (lo < hi) next.push(lo, hi, depth, cursors[c + 3] + (k < 0 ? 0 : 1));
			}
		}
		cursors = next;
		if (j + 1 - i < MIN_WORD) continue;
		for (let c = 0; c < cursors.length; c += 4) {
			if (words[cursors[c]].length === cursors[c + 2])
				found.push({ end: j + 1, bits: list.bits[cursors[c]] + cursors[c + 3] });
		}
	}
	return found;
}

// In a range whose words share their first depth code units, the first word whose next unit is ≥ code
// (a word that ends at depth sorts first).
function firstAtLeast(words: readonly string[], lo: number, hi: number, depth: number, code: number): number {
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		const w = words[mid];
		if ((depth < w.length ? w.charCodeAt(depth) : -1) < code) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
