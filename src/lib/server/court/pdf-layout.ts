// A small flowing layout on pdfkit for multi-page records: a cursor, page breaks decided here (never
// by pdfkit), headings kept with what follows, label/value lists and tables whose header row repeats
// on each page. Page furniture (header, footer, page numbers) is drawn by the caller at the end, over
// buffered pages, once the page count is known.
//
// Everything it draws is tagged (see certificates/archival-pdf.ts), in reading order under the
// document's root: H1/H2 headings, P paragraphs, a Table for label/value lists (TH with Row scope,
// TD) and for tables (a header TR of TH with Column scope, then a TR of TD per row). Rules, shading
// and a header row repeated after a page break are artifacts.
import { artifact, group, tag, type Doc, type StructElement } from '../certificates/archival-pdf';
import type { FontName } from '../certificates/fonts';

export const PAGE = { W: 612, H: 792, X: 54, TOP: 94, BOTTOM: 736 } as const;
export const CW = PAGE.W - 2 * PAGE.X;
export const INK = '#1a1a1a';
export const MUTED = '#555555';
export const RULE = '#b8b8b8';
export const ACCENT = '#1f3a5f';
export const SHADE = '#eef1f5';

export interface Column {
	header: string;
	width: number;
	/** Monospaced (serials, case numbers). */
	mono?: boolean;
}

export interface Cell {
	text: string;
	/** Second line in a smaller, muted type. */
	note?: string;
	bold?: boolean;
	color?: string;
}

// ICU puts narrow no-break spaces before AM/PM; plain spaces print and search the same everywhere.
export const plain = (s: string) => s.replace(/[\u202f\u2009\u00a0]/g, ' ');

const BODY = 9;
const NOTE = 8;
const PAD = 3;

export class Flow {
	y: number = PAGE.TOP;
	constructor(
		private readonly doc: Doc,
		private readonly root: StructElement
	) {}

	/** Room for `h` more points on this page, or a new page. */
	ensure(h: number): void {
		if (this.y + h > PAGE.BOTTOM) this.newPage();
	}

	newPage(): void {
		this.doc.addPage();
		this.y = PAGE.TOP;
	}

	height(text: string, font: FontName, size: number, width: number, lineGap = 1): number {
		return this.doc.font(font).fontSize(size).heightOfString(plain(text), { width, lineGap });
	}

	/** Draws text at the cursor (untagged: callers put it inside a structure element). */
	private draw(raw: string, x: number, width: number, font: FontName, size: number, color = INK, lineGap = 1): number {
		const text = plain(raw);
		const h = this.height(text, font, size, width, lineGap);
		this.doc.font(font).fontSize(size).fillColor(color).text(text, x, this.y, { width, lineGap });
		return h;
	}

	/** Text at the cursor as a structure element of `type` (a paragraph unless said otherwise). */
	put(
		raw: string,
		x: number,
		width: number,
		font: FontName,
		size: number,
		color = INK,
		lineGap = 1,
		type = 'P'
	): number {
		let h = 0;
		tag(this.doc, this.root, type, () => (h = this.draw(raw, x, width, font, size, color, lineGap)));
		return h;
	}

	private rule(y: number, width: number, color: string): void {
		artifact(this.doc, () =>
			this.doc
				.moveTo(PAGE.X, y)
				.lineTo(PAGE.X + CW, y)
				.lineWidth(width)
				.strokeColor(color)
				.stroke()
		);
	}

	/** A section title (H2), kept on the page with at least `keep` points of what follows it. */
	heading(text: string, keep = 60): void {
		this.y += 10;
		this.ensure(24 + keep);
		this.put(text, PAGE.X, CW, 'sansBold', 12, ACCENT, 1, 'H2');
		this.y += 17;
		this.rule(this.y, 0.6, ACCENT);
		this.y += 6;
	}

	paragraph(text: string, opts: { size?: number; color?: string; font?: FontName; gap?: number } = {}): void {
		const size = opts.size ?? BODY;
		const font = opts.font ?? 'sans';
		const h = this.height(text, font, size, CW, 2);
		this.ensure(h);
		this.put(text, PAGE.X, CW, font, size, opts.color ?? INK, 2);
		this.y += h + (opts.gap ?? 4);
	}

	/** Label / value pairs, two columns: a table whose rows each have a row header. */
	facts(rows: [string, string | Cell][], labelWidth = 132): void {
		const vw = CW - labelWidth - 8;
		const table = group(this.doc, this.root, 'Table');
		for (const [label, raw] of rows) {
			const v: Cell = typeof raw === 'string' ? { text: raw } : raw;
			const font: FontName = v.bold ? 'sansBold' : 'sans';
			const vh = this.height(v.text, font, BODY + 0.5, vw) + (v.note ? this.height(v.note, 'sans', NOTE, vw) + 1 : 0);
			const h = Math.max(this.height(label, 'sans', BODY, labelWidth), vh);
			this.ensure(h + 4);
			const tr = group(this.doc, table, 'TR');
			tag(this.doc, tr, 'TH', () => this.draw(label, PAGE.X, labelWidth, 'sans', BODY, MUTED), { scope: 'Row' });
			tag(this.doc, tr, 'TD', () => {
				// A trailing space keeps the text and its note apart when read aloud or copied.
				const th = this.draw(
					v.note ? `${v.text} ` : v.text,
					PAGE.X + labelWidth + 8,
					vw,
					font,
					BODY + 0.5,
					v.color ?? INK
				);
				if (v.note) {
					this.y += th + 1;
					this.draw(v.note, PAGE.X + labelWidth + 8, vw, 'sans', NOTE, MUTED);
					this.y -= th + 1;
				}
			});
			tr.end();
			this.y += h + 4;
		}
		table.end();
	}

	/** A table; rows never split across pages, and the header row repeats after a break. */
	table(columns: Column[], rows: (string | Cell)[][]): void {
		const cells = rows.map((r) =>
			r.map((c): Cell =>
				typeof c === 'string' ? { text: plain(c) } : { ...c, text: plain(c.text), note: c.note && plain(c.note) }
			)
		);
		const rowHeight = (row: Cell[]) =>
			Math.max(
				...row.map((c, i) => {
					const w = columns[i].width - 2 * PAD;
					const font: FontName = columns[i].mono ? 'monoBold' : c.bold ? 'sansBold' : 'sans';
					return this.height(c.text || ' ', font, BODY, w) + (c.note ? this.height(c.note, 'sans', NOTE, w) + 1 : 0);
				})
			) +
			2 * PAD;
		const headerHeight =
			Math.max(...columns.map((c) => this.height(c.header, 'sansBold', NOTE, c.width - 2 * PAD))) + 2 * PAD;
		const table = group(this.doc, this.root, 'Table');
		const headerText = (c: Column, x: number) =>
			this.doc
				.font('sansBold')
				.fontSize(NOTE)
				.fillColor(MUTED)
				.text(c.header, x + PAD, this.y + PAD, { width: c.width - 2 * PAD, lineGap: 1 });
		// The header row is tagged once (TH, Column scope); repeated after a page break, an artifact.
		const drawHeader = (repeat: boolean) => {
			artifact(this.doc, () => this.doc.rect(PAGE.X, this.y, CW, headerHeight).fill(SHADE));
			const tr = repeat ? null : group(this.doc, table, 'TR');
			let x = PAGE.X;
			for (const c of columns) {
				const cx = x;
				if (tr) tag(this.doc, tr, 'TH', () => headerText(c, cx), { scope: 'Column' });
				else artifact(this.doc, () => headerText(c, cx), 'Pagination');
				x += c.width;
			}
			tr?.end();
			this.y += headerHeight;
		};
		const heights = cells.map(rowHeight);
		const sum = (from: number, to = heights.length) => heights.slice(from, to).reduce((a, b) => a + b, 0);
		// The first rows stay with the header, and the last KEEP rows stay together (no lone row
		// at the top of a page).
		const KEEP = 3;
		this.ensure(headerHeight + sum(0, KEEP));
		drawHeader(false);
		cells.forEach((row, r) => {
			const h = heights[r];
			const lastRowsSplit = r > 0 && r === heights.length - KEEP && this.y + sum(r) > PAGE.BOTTOM;
			if (this.y + h > PAGE.BOTTOM || lastRowsSplit) {
				this.newPage();
				drawHeader(true);
			}
			const tr = group(this.doc, table, 'TR');
			let x = PAGE.X;
			row.forEach((c, i) => {
				const w = columns[i].width - 2 * PAD;
				const font: FontName = columns[i].mono ? 'monoBold' : c.bold ? 'sansBold' : 'sans';
				const cx = x;
				tag(this.doc, tr, 'TD', () => {
					const th = this.height(c.text || ' ', font, BODY, w);
					this.doc
						.font(font)
						.fontSize(BODY)
						.fillColor(c.color ?? INK)
						.text(c.note ? `${c.text} ` : c.text, cx + PAD, this.y + PAD, { width: w, lineGap: 1 });
					if (c.note)
						this.doc
							.font('sans')
							.fontSize(NOTE)
							.fillColor(MUTED)
							.text(c.note, cx + PAD, this.y + PAD + th + 1, { width: w, lineGap: 1 });
				});
				x += columns[i].width;
			});
			tr.end();
			this.y += h;
			this.rule(this.y, 0.4, RULE);
		});
		table.end();
		this.y += 6;
	}
}
