/**
 * Reads the title and keywords of an uploaded PDF's information dictionary straight from its bytes,
 * on the calling thread, without a PDF library and without inflating anything. Our certificates are
 * saved with `useObjectStreams: false` (certificates/sign.ts), so their Info dictionary and the
 * strings it points to are plain objects: the last `trailer` names the Info object, the last
 * `<n> <g> obj` in the file is its latest definition (incremental updates append), and its /Title and
 * /Keywords are strings, written directly or as references to string objects.
 *
 * Every step is bounded (native byte searches, a token budget, a nesting limit, a string-size cap),
 * so a hostile file costs at most a few milliseconds here. Anything unexpected (no trailer, the Info
 * object inside an object stream, a value that is not a string) gives null: the caller then reads the
 * file in the PDF reader thread (pdf-reader-pool.ts), under its limits.
 */

export interface InfoStrings {
	title: string | null;
	keywords: string | null;
}

type Value =
	| { t: 'dict'; entries: Map<string, Value> }
	| { t: 'str'; bytes: Buffer }
	| { t: 'ref'; num: number; gen: number }
	| { t: 'other' };

class ScanError extends Error {}

const MAX_TOKENS = 20_000;
/** Candidate positions tried per keyword: a file full of near-misses ("115 0 obj" for "15 0 obj") goes to the reader. */
const MAX_CANDIDATES = 64;
const MAX_DEPTH = 32;
const MAX_STRING = 64 * 1024;

/** \n \r \t \b \f \( \) \\ */
const ESCAPES: Record<number, number> = {
	0x6e: 0x0a,
	0x72: 0x0d,
	0x74: 0x09,
	0x62: 0x08,
	0x66: 0x0c,
	0x28: 0x28,
	0x29: 0x29,
	0x5c: 0x5c
};

const isWhite = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
// ( ) < > [ ] { } / %
const isDelim = (b: number) =>
	b === 0x28 ||
	b === 0x29 ||
	b === 0x3c ||
	b === 0x3e ||
	b === 0x5b ||
	b === 0x5d ||
	b === 0x7b ||
	b === 0x7d ||
	b === 0x2f ||
	b === 0x25;
const isRegular = (b: number | undefined) => b !== undefined && !isWhite(b) && !isDelim(b);
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

export function scanInfo(bytes: Uint8Array): InfoStrings | null {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	try {
		const trailer = lastKeyword(buf, 'trailer');
		if (trailer < 0) return null;
		const dict = new Lexer(buf, trailer + 'trailer'.length).value();
		const info = dict.t === 'dict' ? dict.entries.get('Info') : undefined;
		if (info?.t !== 'ref') return null;
		const infoDict = objectAt(buf, info);
		if (infoDict?.t !== 'dict') return null;
		return { title: text(buf, infoDict.entries.get('Title')), keywords: text(buf, infoDict.entries.get('Keywords')) };
	} catch (e) {
		if (e instanceof ScanError) return null;
		throw e;
	}
}

/** The string a /Title or /Keywords value holds (directly or through one reference); null if none. */
function text(buf: Buffer, v: Value | undefined): string | null {
	if (v?.t === 'ref') v = objectAt(buf, v);
	if (v === undefined) return null;
	if (v.t !== 'str') {
		if (v.t === 'other') return null; // a number, a name: not a title, so no serial to claim
		throw new ScanError('not a string'); // a dictionary where a string belongs: let the reader decide
	}
	return decodeText(v.bytes);
}

/** The value of the last `<num> <gen> obj` in the file; undefined when there is none to be seen. */
function objectAt(buf: Buffer, ref: { num: number; gen: number }): Value | undefined {
	const head = `${ref.num} ${ref.gen} obj`;
	let tries = 0;
	for (
		let at = buf.lastIndexOf(head);
		at >= 0 && tries++ < MAX_CANDIDATES;
		at = at > 0 ? buf.lastIndexOf(head, at - 1) : -1
	) {
		if (at > 0 && !isWhite(buf[at - 1]) && !isDelim(buf[at - 1])) continue; // "115 0 obj" is not "15 0 obj"
		if (isRegular(buf[at + head.length])) continue;
		return new Lexer(buf, at + head.length).value();
	}
	throw new ScanError('object not found'); // perhaps inside an object stream
}

/** The offset of the last `word` standing as a keyword (not part of a longer word), or -1. */
function lastKeyword(buf: Buffer, word: string): number {
	let tries = 0;
	for (
		let at = buf.lastIndexOf(word);
		at >= 0 && tries++ < MAX_CANDIDATES;
		at = at > 0 ? buf.lastIndexOf(word, at - 1) : -1
	) {
		if ((at === 0 || !isRegular(buf[at - 1])) && !isRegular(buf[at + word.length])) return at;
	}
	return -1;
}

/** A PDF text string: UTF-16BE or UTF-8 with their byte-order marks, else PDFDocEncoding (Latin-1 for our purpose). */
export function decodeText(b: Buffer): string {
	if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
	if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder('utf-8').decode(b.subarray(3));
	return b.toString('latin1');
}

/** Just enough of the PDF object syntax (ISO 32000-1 §7.3) to read one dictionary and its strings. */
class Lexer {
	private tokens = 0;
	constructor(
		private readonly buf: Buffer,
		private pos: number
	) {}

	value(depth = 0): Value {
		if (depth > MAX_DEPTH || ++this.tokens > MAX_TOKENS) throw new ScanError('too deep or too long');
		this.skip();
		const b = this.buf[this.pos];
		if (b === undefined) throw new ScanError('end of file');
		if (b === 0x3c && this.buf[this.pos + 1] === 0x3c) return this.dict(depth);
		if (b === 0x3c) return { t: 'str', bytes: this.hex() };
		if (b === 0x28) return { t: 'str', bytes: this.literal() };
		if (b === 0x5b) {
			this.pos++;
			for (;;) {
				this.skip();
				if (this.buf[this.pos] === 0x5d) break;
				this.value(depth + 1);
			}
			this.pos++;
			return { t: 'other' };
		}
		if (b === 0x2f) {
			this.name();
			return { t: 'other' };
		}
		if (isDigit(b)) return this.numberOrRef();
		const word = this.word();
		if (word === '') throw new ScanError('unexpected byte');
		return { t: 'other' }; // true, false, null, -1, .5 …
	}

	private dict(depth: number): Value {
		this.pos += 2;
		const entries = new Map<string, Value>();
		for (;;) {
			this.skip();
			if (this.buf[this.pos] === 0x3e && this.buf[this.pos + 1] === 0x3e) {
				this.pos += 2;
				return { t: 'dict', entries };
			}
			if (this.buf[this.pos] !== 0x2f) throw new ScanError('a dictionary key must be a name');
			const key = this.name();
			entries.set(key, this.value(depth + 1));
		}
	}

	/** `12` or `12 0 R`. */
	private numberOrRef(): Value {
		const num = Number(this.word());
		const save = this.pos;
		this.skip();
		if (Number.isInteger(num) && isDigit(this.buf[this.pos])) {
			const gen = Number(this.word());
			this.skip();
			if (Number.isInteger(gen) && this.buf[this.pos] === 0x52 && !isRegular(this.buf[this.pos + 1])) {
				this.pos++;
				return { t: 'ref', num, gen };
			}
		}
		this.pos = save;
		return { t: 'other' };
	}

	private word(): string {
		const start = this.pos;
		while (isRegular(this.buf[this.pos])) this.pos++;
		if (this.pos - start > 256) throw new ScanError('token too long');
		return this.buf.toString('latin1', start, this.pos);
	}

	/** A name without its slash, #xx escapes decoded. */
	private name(): string {
		this.pos++;
		return this.word().replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
	}

	private hex(): Buffer {
		const end = this.buf.indexOf(0x3e, this.pos);
		if (end < 0 || end - this.pos > 2 * MAX_STRING) throw new ScanError('bad hex string');
		// PDF white space (ISO 32000-1 §7.2.2) includes NUL.
		// eslint-disable-next-line no-control-regex
		const digits = this.buf.toString('latin1', this.pos + 1, end).replace(/[\x00\t\n\f\r ]/g, '');
		if (!/^[0-9A-Fa-f]*$/.test(digits)) throw new ScanError('bad hex string');
		this.pos = end + 1;
		return Buffer.from(digits.length % 2 ? `${digits}0` : digits, 'hex');
	}

	/** A literal string: balanced parentheses, backslash escapes, end-of-line normalised (§7.3.4.2). */
	private literal(): Buffer {
		const out: number[] = [];
		let depth = 0;
		const buf = this.buf;
		for (let p = this.pos + 1; p < buf.length; p++) {
			if (out.length > MAX_STRING) break;
			let c = buf[p];
			if (c === 0x5c) {
				c = buf[++p];
				if (c in ESCAPES) out.push(ESCAPES[c]);
				else if (c >= 0x30 && c <= 0x37) {
					let v = c - 0x30;
					for (let i = 0; i < 2 && buf[p + 1] >= 0x30 && buf[p + 1] <= 0x37; i++) v = v * 8 + (buf[++p] - 0x30);
					out.push(v & 0xff);
				} else if (c === 0x0d) {
					if (buf[p + 1] === 0x0a) p++; // a backslash before an end of line continues the line
				} else if (c !== 0x0a && c !== undefined) out.push(c); // an unknown escape: the backslash is ignored
				continue;
			}
			if (c === 0x0d) {
				if (buf[p + 1] === 0x0a) p++;
				out.push(0x0a);
				continue;
			}
			if (c === 0x28) depth++;
			if (c === 0x29 && depth-- === 0) {
				this.pos = p + 1;
				return Buffer.from(out);
			}
			out.push(c);
		}
		throw new ScanError('unterminated or oversized string');
	}

	/** Whitespace and comments. */
	private skip(): void {
		const buf = this.buf;
		for (;;) {
			while (isWhite(buf[this.pos])) this.pos++;
			if (buf[this.pos] !== 0x25) return;
			while (this.pos < buf.length && buf[this.pos] !== 0x0a && buf[this.pos] !== 0x0d) this.pos++;
		}
	}
}
