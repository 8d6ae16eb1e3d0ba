import { describe, expect, it } from 'vitest';
import { demoParticipants, demoStaff } from '../../../db/demo/demo-data';
import { passwordProblem } from '../server/auth/password-blocklist';

// The callers pass the person's name, the e-mail's local part and (for participants) the case number.
const dana = ['Dana Whitfield', 'dana.whitfield'];
const dale = ['Dale Example', 'dale', '62-CR-26-4321'];

describe('password blocklist (SECURITY #1, 800-63B-4 §3.1.1.2)', () => {
	it.each([
		['a digit run longer than any list entry', '123456789012345678', 'common'],
		['a keyboard zig-zag down the top two rows', '1q2w3e4r5t6y7u8i9o0p', 'repetitive'],
		['a common password doubled, then 123', 'passwordpassword123', 'common'],
		['two keyboard rows', 'qwertyuiopasdfgh', 'common'],
		['a common password said twice', 'iloveyouiloveyou', 'common'],
		['the home team and a year', 'Minnesota Vikings 2026!', 'common'],
		['a keyboard column walk said twice', 'zaq12wsxzaq12wsx', 'common'],
		['a keypad walk said twice', '147258369147258369', 'common'],
		['the shifted digit row', '!@#$%^&*()_+!@#$', 'repetitive'],
		['a l33t spelling said twice', 'p@ssw0rdp@ssw0rd', 'common'],
		['a common password reversed', 'drowssapdrowssap', 'common'],
		['full-width letters of a common password', 'ＰＡＳＳＷＯＲＤpassword1', 'common'],
		['a common word either side of a year', 'welcome2026welcome', 'common'],
		['two common passwords and a year', 'Dragon Monkey 2025!', 'common'],
		['a listed name and a digit run', 'jennifer1234567890', 'common'],
		['a listed password said three times', 'hunter2hunter2hunter2', 'common'],
		['a listed name either side of a year', 'Michelle2026Michelle', 'common']
	])('refuses %s', (_case, password, problem) => {
		expect(passwordProblem(password)).toBe(problem);
	});

	it.each([
		['his own name repeated', 'danawhitfielddanawhitfield', dana],
		['his own name with spaces, repeated', 'Whitfield Whitfield Whitfield', dana],
		['his name and a birth year', 'Dana Whitfield 1975!!', dana],
		['his e-mail name and a year', 'dana.whitfield2026!', dana],
		['his name and his case number', 'dale example 62-cr-26-4321', dale],
		['his case number without its dashes, twice', '62cr26432162cr264321', dale]
	])('refuses %s', (_case, password, context) => {
		expect(passwordProblem(password, context)).toBe('common');
	});

	it.each([
		['the demo passphrase "violet harbor lantern sixty"', 'violet harbor lantern sixty'],
		['the demo passphrase "river stone maple thirty"', 'river stone maple thirty'],
		['four ordinary words in capitals', 'GRANITE WILLOW COMPASS ELEVEN'],
		['a 15-character phrase', 'jigsaw owl fern'],
		['a sentence', 'a brand new sentence to remember'],
		[
			'a 128-character passphrase',
			'seven amber kites drift over the harbour while an old ferry hums beneath copper clouds and we count twelve lanterns by the bay!!'
		],
		['a random 15-character string', 'k7#Qm2!xV9pL4zR'],
		['random lower case and digits', 'w8vq3nz5tj1hx6c']
	])('accepts %s', (_case, password) => {
		expect(passwordProblem(password, dana)).toBeNull();
	});

	it("accepts every demo account's passphrase with that person's own words as context", () => {
		const people = [
			...demoStaff.map((s) => ({ password: s.password, context: [s.name, s.email.split('@')[0]] })),
			...[demoParticipants.partWay, demoParticipants.finished].map((p) => ({
				password: p.password,
				context: [p.legalName, p.email.split('@')[0], p.caseNumber]
			}))
		];
		expect(people.map((p) => passwordProblem(p.password, p.context))).toEqual(people.map(() => null));
	});

	it("accepts 500 random 15-character strings from a password generator's alphabet", () => {
		// mulberry32 with a fixed seed: the same strings on every run.
		let seed = 20260401;
		const next = () => {
			seed = (seed + 0x6d2b79f5) | 0;
			let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
			t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
			return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
		};
		const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+-=?@';
		const strings = Array.from({ length: 500 }, () =>
			Array.from({ length: 15 }, () => alphabet[Math.floor(next() * alphabet.length)]).join('')
		);
		expect(strings.filter((s) => passwordProblem(s) !== null)).toEqual([]);
	});
});
