/**
 * TrueType subsets for pdfkit, byte for byte what fontkit 2's TTFSubset writes, without its cost.
 * pdfkit embeds a subset of each font a page uses, made anew for every document; fontkit decodes
 * each glyph again to find its components and encodes every table through its generic struct writer
 * (cvt, prep and fpgm one number at a time): ~20 ms of a certificate's render for six fonts. Here
 * what does not change between documents is read once per font and thread: the tables copied as
 * they are (head, cvt, prep, fpgm; hhea and maxp with their glyph count set), and for each glyph its
 * bytes in glyf, its metrics and where its components' glyph ids sit. A document's subset is then
 * only copied together: the same glyphs in the same order (the missing glyph first, components after
 * the glyphs that use them, as fontkit numbers them), the same tables, the same bytes.
 *
 * The tables' layout is taken from fontkit's own output for the font (a subset of the missing glyph
 * alone), not restated here; font-subset.test.ts checks that both write the same bytes. Fonts this
 * does not cover (CFF outlines, variation fonts) keep fontkit's subset.
 */
import type { Font } from 'fontkit';

/** The tables fontkit writes into a TrueType subset, in its order (those the font lacks are left out). */
const ORDER = ['head', 'hhea', 'loca', 'maxp', 'cvt ', 'prep', 'glyf', 'hmtx', 'fpgm'] as const;

interface GlyphPart {
	/** the glyph's bytes in the font's glyf table */
	bytes: Uint8Array;
	/** a composite glyph's components: their glyph ids in the font, and where each id is in `bytes` */
	components: { glyphId: number; pos: number }[] | null;
	advance: number;
	bearing: number;
}

/** The internals of a fontkit TrueType font that its own subsetter reads (fontkit 2.0). */
interface FontkitInternals {
	loca?: { version: number; offsets: number[] };
	_variationProcessor?: unknown;
	_getTableStream(tag: string): { pos: number; readBuffer(n: number): Uint8Array } | null;
	directory: { tables: Record<string, unknown> };
	getGlyph(gid: number): {
		advanceWidth: number;
		_decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null;
		_getMetrics(): { leftBearing: number };
	};
}

export interface SubsetLike {
	glyphs: number[];
	includeGlyph(glyph: number | { id: number }): number;
	encode(): Uint8Array;
}

class FontParts {
	readonly tables: { tag: string; bytes: Uint8Array }[];
	readonly header: Uint8Array;
	readonly longLoca: boolean;
	private readonly glyphs = new Map<number, GlyphPart>();

	constructor(
		private readonly font: FontkitInternals,
		reference: Uint8Array
	) {
		const view = new DataView(reference.buffer, reference.byteOffset, reference.byteLength);
		const count = view.getUint16(4);
		this.header = reference.slice(0, 12);
		this.tables = [];
		for (let i = 0; i < count; i++) {
			const at = 12 + 16 * i;
			const tag = String.fromCharCode(...reference.subarray(at, at + 4));
			const offset = view.getUint32(at + 8);
			this.tables.push({ tag, bytes: reference.slice(offset, offset + view.getUint32(at + 12)) });
		}
		const tags = this.tables.map((t) => t.tag);
		const expected = ORDER.filter((t) => tags.includes(t));
		if (
			tags.join() !== expected.join() ||
			!['head', 'hhea', 'loca', 'maxp', 'glyf', 'hmtx'].every((t) => tags.includes(t))
		)
			throw new Error(`unexpected subset tables ${tags.join(',')}`);
		this.longLoca = font.loca!.version !== 0;
	}

	glyph(gid: number): GlyphPart {
		let part = this.glyphs.get(gid);
		if (!part) {
			const glyph = this.font.getGlyph(gid);
			const decoded = glyph._decode();
			const offsets = this.font.loca!.offsets;
			const stream = this.font._getTableStream('glyf')!;
			stream.pos += offsets[gid];
			const bytes = new Uint8Array(stream.readBuffer(offsets[gid + 1] - offsets[gid]));
			part = {
				bytes,
				components:
					decoded && decoded.numberOfContours < 0
						? (decoded.components ?? []).map((c) => ({ glyphId: c.glyphID, pos: c.pos }))
						: null,
				advance: glyph.advanceWidth,
				bearing: glyph._getMetrics().leftBearing
			};
			this.glyphs.set(gid, part);
		}
		return part;
	}
}

class FastSubset implements SubsetLike {
	glyphs: number[] = [];
	private mapping = new Map<number, number>();

	constructor(private readonly parts: FontParts) {
		this.includeGlyph(0); // the missing glyph, always first
	}

	includeGlyph(glyph: number | { id: number }): number {
		const gid = typeof glyph === 'object' ? glyph.id : glyph;
		let n = this.mapping.get(gid);
		if (n === undefined) {
			n = this.glyphs.length;
			this.glyphs.push(gid);
			this.mapping.set(gid, n);
		}
		return n;
	}

	encode(): Uint8Array {
		const glyf: Uint8Array[] = [];
		const metrics: GlyphPart[] = [];
		const offsets: number[] = [];
		let offset = 0;
		// The list grows while it is read: a composite glyph's components join it at its end.
		for (let i = 0; i < this.glyphs.length; i++) {
			const part = this.parts.glyph(this.glyphs[i]);
			let bytes = part.bytes;
			if (part.components) {
				bytes = bytes.slice();
				const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
				for (const c of part.components) view.setUint16(c.pos, this.includeGlyph(c.glyphId));
			}
			glyf.push(bytes);
			metrics.push(part);
			offsets.push(offset);
			offset += bytes.length;
		}
		offsets.push(offset);

		const n = metrics.length;
		const loca = new Uint8Array(offsets.length * (this.parts.longLoca ? 4 : 2));
		const locaView = new DataView(loca.buffer);
		offsets.forEach((o, i) =>
			this.parts.longLoca ? locaView.setUint32(i * 4, o) : locaView.setUint16(i * 2, o >>> 1)
		);
		const hmtx = new Uint8Array(n * 4);
		const hmtxView = new DataView(hmtx.buffer);
		metrics.forEach((m, i) => {
			hmtxView.setUint16(i * 4, m.advance);
			hmtxView.setInt16(i * 4 + 2, m.bearing);
		});
		const withCount = (bytes: Uint8Array, at: number) => {
			const copy = bytes.slice();
			new DataView(copy.buffer).setUint16(at, n);
			return copy;
		};
		const data = this.parts.tables.map(({ tag, bytes }) => {
			switch (tag) {
				case 'loca':
					return [loca];
				case 'glyf':
					return glyf;
				case 'hmtx':
					return [hmtx];
				case 'hhea':
					return [withCount(bytes, 34)]; // numberOfHMetrics
				case 'maxp':
					return [withCount(bytes, 4)]; // numGlyphs
				default:
					return [bytes];
			}
		});

		const dirSize = 12 + 16 * data.length;
		const total = data.reduce((s, d) => s + d.reduce((a, b) => a + b.length, 0), dirSize);
		const out = Buffer.alloc(total);
		out.set(this.parts.header, 0);
		let at = dirSize;
		data.forEach((chunks, i) => {
			const entry = 12 + 16 * i;
			const length = chunks.reduce((a, b) => a + b.length, 0);
			out.write(this.parts.tables[i].tag, entry, 'latin1');
			out.writeUInt32BE(0, entry + 4); // fontkit writes no checksums
			out.writeUInt32BE(at, entry + 8);
			out.writeUInt32BE(length, entry + 12);
			for (const c of chunks) {
				out.set(c, at);
				at += c.length;
			}
		});
		return out;
	}
}

/**
 * Makes `font.createSubset()` (what pdfkit calls for every document) return the fast subset above,
 * for a TrueType font that is not a variation font; other fonts are left as they are. Returns
 * whether it did.
 */
export function useFastSubsets(font: Font): boolean {
	const internals = font as unknown as FontkitInternals;
	if (!internals.directory.tables.glyf || !internals.loca || internals._variationProcessor) return false;
	const original = font.createSubset.bind(font);
	const parts = new FontParts(internals, original().encode());
	(font as unknown as { createSubset: () => SubsetLike }).createSubset = () => new FastSubset(parts);
	return true;
}
