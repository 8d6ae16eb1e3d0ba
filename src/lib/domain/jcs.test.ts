// RFC 8785's own examples, transcribed from the RFC: §3.2.2's input with §3.2.3's expected output,
// §3.2.3's sorting test data, and Appendix B's table of number serialisations.
import { describe, expect, it } from 'vitest';
import { jcs, jcsBytes } from './jcs';

const hexToDouble = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('JCS refuses what is not I-JSON, rather than drop or change it', () => {
	it('refuses NaN and Infinity (RFC 8785 §3.2.2.3; Appendix B, note 3)', () => {
		expect(() => jcs(hexToDouble('7fffffffffffffff'))).toThrow(/NaN/);
		expect(() => jcs({ n: [hexToDouble('7ff0000000000000')] })).toThrow(/Infinity/);
	});

	it('refuses a lone surrogate, in a value or in a key (§3.2.2.2)', () => {
		expect(() => jcs({ name: 'Jos\ud800' })).toThrow(/lone surrogate/);
		expect(() => jcs({ ['\udead']: 1 })).toThrow(/lone surrogate/);
	});

	it('refuses undefined, functions, bigints and objects with a toJSON, which canonicalize would drop or convert', () => {
		expect(() => jcs({ a: undefined })).toThrow(/\$\.a is undefined/);
		expect(() => jcs([1, () => 1])).toThrow(/function/);
		expect(() => jcs({ n: 1n })).toThrow(/bigint/);
		expect(() => jcs({ at: new Date(0) })).toThrow(/plain object/);
	});
});

describe('JCS gives RFC 8785 output', () => {
	it('canonicalises the example of §3.2.2 exactly as §3.2.3 shows', () => {
		const input = JSON.parse(
			'{ "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
				' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false] }'
		);
		expect(jcs(input)).toBe(
			'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
		);
	});

	it('sorts member names by UTF-16 code units, not code points (§3.2.3)', () => {
		const input = JSON.parse(
			'{ "\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",' +
				' "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis" }'
		);
		const out = jcs(input);
		// (Read the order from the text: JSON.parse would put the integer-like name "1" first.)
		expect([...out.matchAll(/:"([^"]*)"/g)].map((m) => m[1])).toEqual([
			'Carriage Return',
			'One',
			'Control',
			'Latin Small Letter O With Diaeresis',
			'Euro Sign',
			'Emoji: Grinning Face',
			'Hebrew Letter Dalet With Dagesh'
		]);
		// The emoji (U+1F600, D83D DE00 in UTF-16) comes before U+FB33: a code-point sort would swap them.
		expect(out.indexOf('😀')).toBeLessThan(out.indexOf('\ufb33'));
		// U+0080 is written as itself; only U+0000–U+001F are escaped.
		expect(out).toBe(
			'{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
		);
	});

	it('sorts nested objects too, and keeps array order', () => {
		expect(jcs({ z: [{ b: 2, a: 1 }, 3], a: { d: null, c: 'x' } })).toBe(
			'{"a":{"c":"x","d":null},"z":[{"a":1,"b":2},3]}'
		);
	});

	// Appendix B, Table 1: IEEE 754 bits → the JSON text JCS writes.
	const table: [string, string][] = [
		['0000000000000000', '0'],
		['8000000000000000', '0'],
		['0000000000000001', '5e-324'],
		['8000000000000001', '-5e-324'],
		['7fefffffffffffff', '1.7976931348623157e+308'],
		['ffefffffffffffff', '-1.7976931348623157e+308'],
		['4340000000000000', '9007199254740992'],
		['c340000000000000', '-9007199254740992'],
		['4430000000000000', '295147905179352830000'],
		['44b52d02c7e14af5', '9.999999999999997e+22'],
		['44b52d02c7e14af6', '1e+23'],
		['44b52d02c7e14af7', '1.0000000000000001e+23'],
		['444b1ae4d6e2ef4e', '999999999999999700000'],
		['444b1ae4d6e2ef4f', '999999999999999900000'],
		['444b1ae4d6e2ef50', '1e+21'],
		['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
		['3eb0c6f7a0b5ed8d', '0.000001'],
		['41b3de4355555553', '333333333.3333332'],
		['41b3de4355555554', '333333333.33333325'],
		['41b3de4355555555', '333333333.3333333'],
		['41b3de4355555556', '333333333.3333334'],
		['41b3de4355555557', '333333333.33333343'],
		['becbf647612f3696', '-0.0000033333333333333333'],
		['43143ff3c1cb0959', '1424953923781206.2']
	];
	it.each(table)('writes the double %s as %s (Appendix B)', (hex, text) => {
		expect(jcs(hexToDouble(hex))).toBe(text);
		expect(jcs([hexToDouble(hex)])).toBe(`[${text}]`);
	});

	it('encodes as UTF-8 without a byte-order mark, non-ASCII as raw characters', () => {
		expect(Buffer.from(jcsBytes({ n: 'é€😀' })).toString('hex')).toBe(
			Buffer.from('{"n":"é€😀"}', 'utf8').toString('hex')
		);
		expect(jcsBytes({})[0]).toBe(0x7b);
	});

	it('does not normalise Unicode (RFC 8785 leaves that to the application: names are NFC at input)', () => {
		expect(jcs({ n: 'Jose\u0301' })).not.toBe(jcs({ n: 'José' }));
	});
});
