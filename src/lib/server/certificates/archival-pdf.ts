/**
 * The PDF documents that go into a court file: PDF/A-3b (ISO 19005-3, level B) and tagged (a logical
 * structure with reading order and alternative text, as PDF/UA asks), in US English. Used by the
 * certificate (render-pdf.ts) and the court evidence packet (court/render-packet.ts).
 *
 * pdfkit writes what PDF/A needs once asked (`subset: 'PDF/A-3b'`, PDF 1.7): the XMP metadata with
 * its pdfaid identification, an sRGB output intent, the file ID; this module adds the rest:
 *  - the embedded Liberation fonts only (`font: null`: pdfkit's default Helvetica is not embeddable);
 *  - no /ModDate in the information dictionary: PDF/A-3 wants every Info entry mirrored in the XMP,
 *    and pdfkit 0.20's XMP has no xmp:ModifyDate;
 *  - the XMP written with its text escaped: pdfkit 0.20 puts the title, author and subject into the
 *    XML as they are, so a provider called "Smith & Jones" would make the metadata unreadable (see
 *    xmpInfo below). Metadata text has control characters replaced, in the Info dictionary too, so
 *    both still say the same;
 *  - every page with /Tabs /S (annotations, such as the signature widget added later, in structure
 *    order), as PDF/UA asks of pages with annotations.
 */
import PDFDocument from 'pdfkit';
import { certificateFonts } from './fonts';

export type Doc = PDFKit.PDFDocument;
export type StructElement = PDFKit.PDFStructureElement;

export interface ArchivalMeta {
	title: string;
	author: string;
	subject?: string;
	keywords?: string;
	/** the document's date (pdfkit derives the file ID from the metadata: same input, same bytes) */
	createdAt: Date;
}

export interface ArchivalDocument {
	doc: Doc;
	/** the structure tree's `Document` element: every tagged element goes under it, in reading order */
	root: StructElement;
	/** resolves with the file once `doc.end()` has been called */
	done: Promise<Buffer>;
}

/** pdfkit 0.20 options its type definitions do not list yet (see its docs: accessibility, attachments). */
export interface StructOptions {
	title?: string;
	lang?: string;
	alt?: string;
	actual?: string;
	/** [left, top, right, bottom] in pdfkit coordinates: PDF/UA wants it on a Figure */
	bbox?: [number, number, number, number];
	/** for TH: Row, Column or Both */
	scope?: 'Row' | 'Column' | 'Both';
}

export const LANG = 'en-US';
const CREATOR = 'John School';

// C0 and C1 controls have no place in a title and are not allowed in XML 1.0 (XMP) at all.
const metaText = (s: string) =>
	s
		.normalize('NFC')
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
		.trim();
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmpDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The XMP properties that mirror the information dictionary (PDF/A-3 6.6.2.3.1): what pdfkit's own
 * writer puts there, escaped, plus dc:format and dc:language.
 */
function xmpInfo(info: Record<string, unknown>): string {
	const s = (k: string) => (typeof info[k] === 'string' ? xml(info[k] as string) : null);
	const created = info.CreationDate as Date;
	const title = s('Title');
	const author = s('Author');
	const subject = s('Subject');
	const keywords = s('Keywords');
	return [
		'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">',
		`<xmp:CreateDate>${xmpDate(created)}</xmp:CreateDate>`,
		`<xmp:CreatorTool>${s('Creator')}</xmp:CreatorTool>`,
		'</rdf:Description>',
		'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">',
		'<dc:format>application/pdf</dc:format>',
		title ? `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${title}</rdf:li></rdf:Alt></dc:title>` : '',
		author ? `<dc:creator><rdf:Seq><rdf:li>${author}</rdf:li></rdf:Seq></dc:creator>` : '',
		subject
			? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${subject}</rdf:li></rdf:Alt></dc:description>`
			: '',
		`<dc:language><rdf:Bag><rdf:li>${LANG}</rdf:li></rdf:Bag></dc:language>`,
		'</rdf:Description>',
		'<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
		`<pdf:Producer>${s('Producer')}</pdf:Producer>`,
		keywords ? `<pdf:Keywords>${keywords}</pdf:Keywords>` : '',
		'</rdf:Description>'
	]
		.filter(Boolean)
		.join('\n');
}

/** What pdfkit keeps of a font in a document (its EmbeddedFont): the fontkit font, the layouts by word. */
interface OpenFont {
	font: object;
	layoutCache?: Record<string, unknown>;
}
/** Word layouts per fontkit font, shared by every document of this thread. */
const layouts = new WeakMap<object, Record<string, unknown>>();
/** Words kept per font before its shared layouts start over (names and numbers add a few per document). */
const LAYOUTS_KEPT = 5000;

/**
 * The document's current font lays out its words into this thread's shared cache for that font.
 * pdfkit lays out each word (up to and with its space) once per document and font and keeps the
 * glyph run in the font's layoutCache, which it never changes once made (the run depends on the font
 * and the word alone); but the cache is per document, and fontkit's layout (its OpenType lookups) was
 * a fifth of a certificate's render. Shared, a certificate lays out only the words no earlier
 * document of the thread had: the name, the numbers, the dates.
 */
function shareLayouts(doc: Doc) {
	const open = (doc as unknown as { _font?: OpenFont })._font;
	if (!open?.layoutCache) return; // pdfkit's fontLayoutCache: false
	let shared = layouts.get(open.font);
	if (open.layoutCache === shared) return;
	if (!shared || Object.keys(shared).length > LAYOUTS_KEPT) {
		shared = Object.create(null) as Record<string, unknown>;
		layouts.set(open.font, shared);
	}
	open.layoutCache = shared;
}

export function archivalDocument(
	meta: ArchivalMeta,
	opts: { bufferPages?: boolean; margins?: PDFKit.Mixins.ExpandedSides<number> } = {}
): ArchivalDocument {
	if (Number.isNaN(meta.createdAt.getTime())) throw new RangeError('createdAt is not a date');
	const info: PDFKit.DocumentInfo = {
		Title: metaText(meta.title),
		Author: metaText(meta.author),
		Creator: CREATOR,
		CreationDate: meta.createdAt
	};
	if (meta.subject) info.Subject = metaText(meta.subject);
	if (meta.keywords) info.Keywords = metaText(meta.keywords);
	const doc = new PDFDocument({
		// No default font: pdfkit would otherwise load its (unembedded) Helvetica.
		font: null as unknown as string,
		size: 'LETTER',
		layout: 'portrait',
		margins: opts.margins ?? { top: 0, bottom: 0, left: 0, right: 0 },
		bufferPages: opts.bufferPages ?? false,
		pdfVersion: '1.7',
		subset: 'PDF/A-3b',
		tagged: true,
		lang: LANG,
		displayTitle: true,
		info
	});
	// pdfkit calls _addInfo while it ends the document, after the pdfaid description (see the header).
	(doc as unknown as { _addInfo: () => void })._addInfo = () =>
		doc.appendXML(xmpInfo(doc.info as unknown as Record<string, unknown>));
	// pdfkit takes a parsed fontkit font where its types say bytes (PDFFontFactory.open checks .layout).
	for (const [name, font] of Object.entries(certificateFonts())) doc.registerFont(name, font as unknown as Buffer);
	const openFont = doc.font.bind(doc);
	doc.font = ((...args: Parameters<Doc['font']>) => {
		openFont(...args);
		shareLayouts(doc);
		return doc;
	}) as Doc['font'];
	const tabs = () => {
		(doc.page as unknown as { dictionary: { data: Record<string, unknown> } }).dictionary.data.Tabs = 'S';
	};
	tabs(); // the first page exists already
	doc.on('pageAdded', tabs);

	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve, reject) => {
		doc.on('end', () => resolve(Buffer.concat(chunks)));
		doc.on('error', reject);
	});
	const root = doc.struct('Document');
	doc.addStructure(root);
	return { doc, root, done };
}

/** A structure element of `type` under `parent`, holding what `draw` puts on the page. */
export function tag(
	doc: Doc,
	parent: StructElement,
	type: string,
	draw: () => void,
	options: StructOptions = {}
): StructElement {
	const el = doc.struct(type, options as PDFKit.Mixins.StructureElementOptions, draw);
	parent.add(el); // parent is attached to the tree, so draw runs now, inside the element's marked content
	return el;
}

/** A structure element to fill with children (call .end() when done). */
export function group(doc: Doc, parent: StructElement, type: string, options: StructOptions = {}): StructElement {
	const el = doc.struct(type, options as PDFKit.Mixins.StructureElementOptions);
	parent.add(el);
	return el;
}

/**
 * Marks what `draw` paints as an artifact: frames, rules, shading (Layout) or running heads and page
 * numbers (Pagination). Screen readers skip artifacts; everything else on a page is in the tree.
 */
export function artifact(
	doc: Doc,
	draw: () => void,
	type: 'Layout' | 'Pagination' = 'Layout',
	attached?: ('Top' | 'Bottom')[]
): void {
	doc.markContent('Artifact', attached ? { type, attached } : { type });
	draw();
	doc.endMarkedContent();
}

export interface Attachment {
	name: string;
	/** MIME type, e.g. application/json */
	type: string;
	description: string;
	bytes: Uint8Array;
	date: Date;
}

/**
 * An associated file (PDF/A-3 6.8): listed in the document's embedded files and its /AF array, with
 * /AFRelationship /Data (the data the page presents), a MIME subtype and its dates.
 */
export function attach(doc: Doc, a: Attachment): void {
	const options = {
		name: a.name,
		type: a.type,
		description: a.description,
		creationDate: a.date,
		modifiedDate: a.date,
		relationship: 'Data'
	};
	doc.file(
		Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength),
		options as PDFKit.Mixins.PDFAttachmentOptions
	);
}
