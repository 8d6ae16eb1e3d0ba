// The fast subsets (font-subset.ts) write what fontkit's own TTFSubset writes, byte for byte, for
// every certificate font and for text whose glyphs include composites (accented Latin, Vietnamese)
// and components shared between glyphs; and pdfkit uses them.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, type Font } from 'fontkit';
import { FONT_FILES, certificateFonts, fontsDir } from './fonts';
import { useFastSubsets } from './font-subset';

const TEXTS = [
	'',
	'Certificate of Completion RC-2026-000123 K7QX 2M9P RT4W',
	'Nguyễn Thị Hồng Nhung, Trần Ẩn Ỹ, Đặng Văn Lâm, ưởng ợ ỵ',
	'Łukasz Żółć-Brzęczyszczykiewicz, Ærøskøbing, Seán Ó Súilleabháin, ſ ĳ ŉ Ǆ',
	'Ὀδυσσεύς Παπαδόπουλος, Фёдор Достоевский, Їжак Ґанок',
	'“Smith & Jones” — § 609.324 · ½ € © ™ … (651) 555-0101',
	// every printable character of Latin-1, Latin Extended-A and B, and Vietnamese's block
	Array.from({ length: 0x24f - 0xa0 }, (_, i) => String.fromCodePoint(0xa0 + i)).join('') +
		Array.from({ length: 0x1eff - 0x1ea0 }, (_, i) => String.fromCodePoint(0x1ea0 + i)).join('')
];

const plain = (file: string) => create(readFileSync(join(fontsDir(), file))) as Font;

/** The subset each font makes for `text`, glyphs in layout order as pdfkit adds them. */
function subsetBytes(font: Font, text: string): Uint8Array {
	const subset = font.createSubset();
	for (const g of font.layout(text).glyphs) subset.includeGlyph(g.id as unknown as never);
	return subset.encode();
}

describe('fast TrueType subsets', () => {
	it.each(Object.entries(FONT_FILES))('%s: the same bytes as fontkit’s subset', (_, file) => {
		const reference = plain(file);
		const fast = plain(file);
		expect(useFastSubsets(fast)).toBe(true);
		expect(fast.createSubset().constructor.name).toBe('FastSubset');
		for (const text of TEXTS) {
			const a = subsetBytes(reference, text);
			const b = subsetBytes(fast, text);
			expect(Buffer.from(b).equals(Buffer.from(a)), text).toBe(true);
		}
		// Glyphs added in another order (reversed, with repeats): still fontkit's numbering.
		const mixed = [...(TEXTS[2] + TEXTS[3])].reverse().join('');
		expect(Buffer.from(subsetBytes(fast, mixed)).equals(Buffer.from(subsetBytes(reference, mixed)))).toBe(true);
	});

	it('some of those glyphs are composites, so their component ids are rewritten', () => {
		const font = plain(FONT_FILES.sans) as unknown as {
			layout(t: string): { glyphs: { id: number }[] };
			getGlyph(id: number): { _decode(): { numberOfContours: number } | null };
		};
		const composites = font
			.layout(TEXTS[6])
			.glyphs.filter((g) => (font.getGlyph(g.id)._decode()?.numberOfContours ?? 0) < 0);
		expect(composites.length).toBeGreaterThan(10);
	});

	it('the certificate fonts use them', () => {
		for (const font of Object.values(certificateFonts()))
			expect(font.createSubset().constructor.name).toBe('FastSubset');
	});
});
