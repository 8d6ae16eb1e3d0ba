// The password policy with its list of common passwords: zxcvbn-ts's 49,233 most common passwords in
// order of frequency, each priced at log2(rank) bits. Server only: the list is about 380 KB, which no
// browser needs to download.
import { dictionary } from '@zxcvbn-ts/language-common';
import { normalisePassword } from '../../domain/password-guesses';
import { passwordProblemAgainst, type PasswordProblem } from '../../domain/password-policy';
import { sortWords, type SortedWords } from '../../domain/word-lists';

let list: SortedWords | undefined;

/** Built on first use (about 50 ms), then kept. */
export function commonPasswords(): SortedWords {
	list ??= sortWords(dictionary['passwords-common'].map((w, i) => [normalisePassword(w), Math.log2(i + 1)]));
	return list;
}

/** Why this password is refused, or null; contextWords are the person's name, e-mail and the like. */
export function passwordProblem(password: string, contextWords: string[] = []): PasswordProblem | null {
	return passwordProblemAgainst(commonPasswords(), password, contextWords);
}
