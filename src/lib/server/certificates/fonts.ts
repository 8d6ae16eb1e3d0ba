/**
 * The certificate's embedded fonts (assets/fonts/, Liberation 2.1.5, SIL OFL 1.1). Read and parsed
 * once per thread and handed to pdfkit as fontkit fonts; pdfkit embeds a subset of each font a page
 * uses. (Given bytes, pdfkit would parse all six fonts again for every certificate: ~4× the render time.)
 * Those subsets are font-subset.ts's: fontkit's bytes, from glyphs and tables read once per font.
 *
 * Found by walking up from this module to the folder holding assets/fonts: this module runs from
 * src/lib/server/certificates/ (vitest, tsx) or from a bundled chunk under build/server/ (node build),
 * and both sit inside the project. CERT_FONTS_DIR overrides the search (a deployment that moves build/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, type Font } from 'fontkit';
import { useFastSubsets } from './font-subset';

export const FONT_FILES = {
	sans: 'LiberationSans-Regular.ttf',
	sansBold: 'LiberationSans-Bold.ttf',
	serif: 'LiberationSerif-Regular.ttf',
	serifBold: 'LiberationSerif-Bold.ttf',
	serifItalic: 'LiberationSerif-Italic.ttf',
	monoBold: 'LiberationMono-Bold.ttf'
} as const;

export type FontName = keyof typeof FONT_FILES;

let cache: Record<FontName, Font> | null = null;

export function fontsDir(): string {
	const override = process.env.CERT_FONTS_DIR;
	if (override) return override;
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 8; i++) {
		const candidate = join(dir, 'assets', 'fonts');
		if (existsSync(join(candidate, FONT_FILES.sans))) return candidate;
		const up = dirname(dir);
		if (up === dir) break;
		dir = up;
	}
	throw new Error(
		`Certificate fonts not found above ${fileURLToPath(import.meta.url)} (expected assets/fonts/; set CERT_FONTS_DIR)`
	);
}

function parse(file: string): Font {
	const font = create(readFileSync(file));
	if (!('layout' in font)) throw new Error(`${file} is a font collection, not a font`);
	useFastSubsets(font);
	return font;
}

/**
 * The parsed fonts, on first use. A fontkit font is read-only once parsed (pdfkit makes a subset per
 * document), so one set serves every certificate rendered on this thread.
 */
export function certificateFonts(): Record<FontName, Font> {
	if (!cache) {
		const dir = fontsDir();
		cache = Object.fromEntries(
			Object.entries(FONT_FILES).map(([name, file]) => [name, parse(join(dir, file))])
		) as Record<FontName, Font>;
	}
	return cache;
}
