/**
 * pdf-lib's PDFDocument.load with the limits pdf-lib lacks, for uploads that the byte scan
 * (pdf-info-scan.ts) could not read. Loaded only inside the PDF reader thread (pdf-reader.worker.ts),
 * which also has a wall-clock limit and a heap limit (pdf-reader-pool.ts).
 *
 * How the limits are enforced, and why this way: load() decodes exactly two kinds of stream, object
 * streams and cross-reference streams, and both go through one function, ByteStream.fromPDFRawStream.
 * That function is replaced: it inflates with node's zlib under `maxOutputLength` (the remaining byte
 * budget), which stops a bomb after the budget whatever the shape of its deflate blocks; pdf-lib's own
 * inflater would decode a whole block before returning, and one block can hold gigabytes. Only Flate
 * (or no filter) is accepted on such streams; pdf-lib applies no predictor to them, so zlib's output is
 * what pdf-lib would have read. An object stream's /N is charged before its offsets are read, every
 * indirect object is counted as it is stored (PDFContext.assign), and every value as it is parsed
 * (PDFObjectParser.parseObject). A pre-scan of the file could not promise as much: it would have to
 * find the same streams pdf-lib finds, and any difference would be a way around it. Once a limit is
 * reached every later hook throws too, so pdf-lib's recovery from "invalid objects" cannot carry on.
 * selfTest() checks at start that the hooks are the ones pdf-lib calls (one copy of the package).
 */
import { createRequire } from 'node:module';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import type * as PdfLib from 'pdf-lib';

export interface ReadLimits {
	/** Bytes inflated in all, over every stream the load decodes. */
	maxInflatedBytes: number;
	/** Indirect objects stored, and separately objects that object streams claim to hold. */
	maxObjects: number;
	/** Values parsed (numbers, names, strings, arrays, dictionaries …). */
	maxValues: number;
}

export type LimitReason = 'inflate_limit' | 'object_limit' | 'filter' | 'damaged';
export type ReadOutcome =
	{ ok: true; title: string | null; keywords: string | null } | { ok: false; reason: LimitReason };

// pdf-lib's CommonJS build, the one its package "main" names: the hooks below must patch the copy
// that PDFDocument itself uses, and ByteStream is not exported from the package's index.
const require = createRequire(import.meta.url);
const lib = require('pdf-lib') as typeof PdfLib;
const ByteStream = (
	require('pdf-lib/cjs/core/parser/ByteStream') as {
		default: { fromPDFRawStream(raw: PdfLib.PDFRawStream): unknown; of(bytes: Uint8Array): unknown };
	}
).default;
const { PDFContext, PDFName, PDFNumber, PDFArray, PDFObjectParser, PDFDocument, ParseSpeeds } = lib;

class LimitReached extends Error {
	constructor(readonly reason: LimitReason) {
		super(reason);
	}
}

class Budget {
	inflated = 0;
	assigned = 0;
	claimed = 0;
	values = 0;
	exceeded: LimitReason | null = null;
	constructor(readonly limits: ReadLimits) {}

	stop(reason: LimitReason): never {
		this.exceeded ??= reason;
		throw new LimitReached(this.exceeded);
	}
	check(): void {
		if (this.exceeded) throw new LimitReached(this.exceeded);
	}
}

let budget: Budget | null = null;

const FLATE = PDFName.of('FlateDecode');
const OBJSTM = PDFName.of('ObjStm');

ByteStream.fromPDFRawStream = (raw: PdfLib.PDFRawStream) => {
	if (!budget) throw new Error('pdf-reader: a stream was decoded outside readInfo');
	const b = budget;
	b.check();
	const dict = raw.dict;
	if (dict.lookup(PDFName.of('Type')) === OBJSTM) {
		const n = dict.lookup(PDFName.of('N'));
		b.claimed += n instanceof PDFNumber ? n.asNumber() : 0;
		if (!(b.claimed <= b.limits.maxObjects)) b.stop('object_limit');
	}
	const filter = dict.lookup(PDFName.of('Filter'));
	const onlyFlate =
		filter === FLATE || (filter instanceof PDFArray && filter.size() === 1 && filter.lookup(0) === FLATE);
	if (filter !== undefined && !onlyFlate) b.stop('filter');
	let bytes: Uint8Array = raw.contents;
	if (onlyFlate) {
		const room = b.limits.maxInflatedBytes - b.inflated;
		if (room <= 0) b.stop('inflate_limit');
		try {
			bytes = inflateSync(raw.contents, { maxOutputLength: room, finishFlush: constants.Z_SYNC_FLUSH });
		} catch (e) {
			b.stop((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'inflate_limit' : 'damaged');
		}
	}
	b.inflated += bytes.length;
	if (b.inflated > b.limits.maxInflatedBytes) b.stop('inflate_limit');
	return ByteStream.of(bytes);
};

const assign = PDFContext.prototype.assign;
PDFContext.prototype.assign = function (this: PdfLib.PDFContext, ref, object) {
	if (budget) {
		budget.check();
		if (++budget.assigned > budget.limits.maxObjects) budget.stop('object_limit');
	}
	return assign.call(this, ref, object);
};

const parseObject = PDFObjectParser.prototype.parseObject;
PDFObjectParser.prototype.parseObject = function (this: PdfLib.PDFObjectParser) {
	if (budget) {
		budget.check();
		if (++budget.values > budget.limits.maxValues) budget.stop('object_limit');
	}
	return parseObject.call(this);
};

const cap = (s: string | undefined) => (s === undefined ? null : s.slice(0, 1000));

/** The document's title and keywords, or why they could not be read. One at a time (the thread runs one job). */
export async function readInfo(bytes: Uint8Array, limits: ReadLimits): Promise<ReadOutcome> {
	const b = (budget = new Budget(limits));
	try {
		const doc = await PDFDocument.load(bytes, {
			ignoreEncryption: true,
			updateMetadata: false,
			parseSpeed: ParseSpeeds.Fastest
		});
		b.check();
		return { ok: true, title: cap(doc.getTitle()), keywords: cap(doc.getKeywords()) };
	} catch (e) {
		return { ok: false, reason: b.exceeded ?? (e instanceof LimitReached ? e.reason : 'damaged') };
	} finally {
		budget = null;
	}
}

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** Throws unless each hook stops pdf-lib where it should (a second copy of pdf-lib would bypass them). */
export async function selfTest(): Promise<void> {
	const tight = { maxInflatedBytes: 64, maxObjects: 2, maxValues: 50 };
	const body = 'trailer\n<< /Root 1 0 R >>\n%%EOF\n';
	const z = deflateSync(Buffer.alloc(100));
	const cases: [string, Uint8Array, LimitReason][] = [
		[
			'inflate',
			Buffer.concat([
				latin1(
					`%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 1 /First 0 /Filter /FlateDecode /Length ${z.length} >>\nstream\n`
				),
				z,
				latin1(`\nendstream\nendobj\n${body}`)
			]),
			'inflate_limit'
		],
		[
			'objects claimed',
			latin1(`%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 3 /First 0 /Length 0 >>\nstream\n\nendstream\nendobj\n${body}`),
			'object_limit'
		],
		[
			'objects stored',
			latin1(`%PDF-1.7\n1 0 obj\nnull\nendobj\n2 0 obj\nnull\nendobj\n3 0 obj\nnull\nendobj\n${body}`),
			'object_limit'
		],
		['values', latin1(`%PDF-1.7\n1 0 obj\n[${'0 '.repeat(60)}]\nendobj\n${body}`), 'object_limit']
	];
	for (const [what, file, reason] of cases) {
		const r = await readInfo(file, tight);
		if (r.ok || r.reason !== reason)
			throw new Error(`pdf-reader: the ${what} limit is not in effect (${r.ok ? 'read' : r.reason})`);
	}
	const ok = await readInfo(
		latin1(`%PDF-1.4\n1 0 obj\n<< /Title (T) >>\nendobj\ntrailer\n<< /Root 1 0 R /Info 1 0 R >>\n%%EOF\n`),
		tight
	);
	if (!ok.ok || ok.title !== 'T') throw new Error('pdf-reader: a plain file could not be read');
}
