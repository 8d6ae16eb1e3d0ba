/**
 * The certificate PDF, one US Letter page, PDF/A-3b and tagged (archival-pdf.ts). Pure: facts in,
 * bytes out, and the same input gives the same bytes (the dates come from facts.issuedAt, and pdfkit
 * derives the file /ID from the information dictionary: nothing depends on the clock or randomness).
 *
 * The file carries the signed facts as associated files (PDF/A-3 /AFRelationship /Data), so they can
 * be checked from the file alone, without this site:
 *   certificate-facts.json      the exact bytes the Ed25519 signature covers (they are JSON: the
 *                               canonical form of the facts, readable in any PDF reader's attachments)
 *   certificate-facts.sig.json  {"algorithm":"Ed25519","keyId":…,"signature":<base64>,"signedFile":…}
 * Two files rather than one JSON holding the facts in base64: the facts stay readable as they are, a
 * verifier checks the signature over the extracted file byte for byte and never re-serialises it.
 *
 * Structure (reading order): Document → P program, P provider, H1 title, [P reissue], P "This
 * certifies that … has completed …", L of the facts (LI → Lbl, LBody), Sect verification (L with the
 * certificate number and code, P links, Figure for the QR code with alt text), P how to verify.
 * Frames and rules are artifacts. Facts print at 10 pt or more.
 *
 * Fonts: Liberation Sans, Serif and Mono (assets/fonts/, SIL OFL), embedded as subsets, so the page
 * prints the same everywhere and any Latin, Greek or Cyrillic name renders ("Nguyễn", "Łukasz").
 */
import QRCode from 'qrcode';
import type { FontName } from './fonts';
import { archivalDocument, artifact, attach, group, tag, type Doc, type StructElement } from './archival-pdf';
import { certificateRows, courseTitle, certificateDate, type Cell, type PrintableFacts } from './certificate-rows';

export interface RenderExtra {
	/** full verification link, with ?code=…; the QR code points here */
	verifyUrl: string;
	/** verification code, printed grouped in fours */
	code: string;
	/** printable fingerprint of the Ed25519 signature */
	fingerprint: string;
	/** base64 Ed25519 signature over signedFacts */
	signature: string;
	/** the exact bytes that signature covers (signedFactsBytes(facts)) */
	signedFacts: Uint8Array;
}

const W = 612;
const H = 792;
const X = 60; // content left
const CW = W - 2 * X; // content width
const INK = '#1a1a1a';
const MUTED = '#555555';
const RULE = '#b8b8b8';
const ACCENT = '#1f3a5f';

/** Facts print at 10.5 pt, at 10 pt when long; smaller only past every input limit (see drawFacts). */
const FACT_SIZE_MAX = 10.5;
const LABEL_SIZE = 8.5;

/** "k7qx2m9prt4w" → "K7QX 2M9P RT4W" (verifiers compare codes case-insensitively, ignoring spaces). */
export function groupCode(code: string): string {
	return (
		code
			.replace(/[\s-]/g, '')
			.toUpperCase()
			.match(/.{1,4}/g) ?? []
	).join(' ');
}

/** The link without its secret code: what the page prints as "Verify at …". */
export function verifyBase(url: string): string {
	try {
		const u = new URL(url);
		u.searchParams.delete('code');
		u.hash = '';
		return u.toString();
	} catch {
		return url.split('?')[0];
	}
}

/** Largest font size ≤ max at which text fits in width. */
function fitSize(doc: Doc, font: FontName, text: string, width: number, max: number, min: number, spacing = 0) {
	let size = max;
	doc.font(font);
	while (size > min && doc.fontSize(size).widthOfString(text, { characterSpacing: spacing }) > width) size -= 0.5;
	return size;
}

function centered(doc: Doc, text: string, y: number, font: FontName, size: number, color = INK, spacing = 0) {
	doc
		.font(font)
		.fontSize(size)
		.fillColor(color)
		.text(text, X, y, { width: CW, align: 'center', characterSpacing: spacing });
}

/** QR code as vector squares (crisp in print, smaller than an embedded PNG). */
function drawQr(doc: Doc, text: string, x: number, y: number, size: number) {
	const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
	const n = qr.modules.size;
	const cell = size / n;
	for (let r = 0; r < n; r++) {
		let c = 0;
		while (c < n) {
			if (!qr.modules.get(r, c)) {
				c++;
				continue;
			}
			const start = c;
			while (c < n && qr.modules.get(r, c)) c++;
			doc.rect(x + start * cell, y + r * cell, (c - start) * cell, cell);
		}
	}
	doc.fillColor('#000000').fill();
}

// The facts grid: a label column, then the value; a half cell's second label starts mid-page.
const LABEL_W = 86;
const GUTTER = 16;
const HALF_W = (CW - GUTTER) / 2;
const valueWidth = (cells: Cell[]) => (cells.length === 2 || cells[0].half ? HALF_W : CW) - LABEL_W - 6;
/** Where fact values start (points from the left): every line of a value begins at one of these. */
export const VALUE_COLUMNS = [X + LABEL_W + 6, X + HALF_W + GUTTER + LABEL_W + 6] as const;

/** Height of each row's tallest cell at value size `size`, without padding. */
function rowHeights(doc: Doc, rows: Cell[][], size: number): number[] {
	return rows.map((cells) => {
		const w = valueWidth(cells);
		const heights = cells.flatMap((c) => [
			doc.font('sans').fontSize(size).heightOfString(c.value, { width: w }),
			doc.font('sans').fontSize(LABEL_SIZE).heightOfString(c.label, { width: LABEL_W })
		]);
		return Math.max(...heights, size + 1.5);
	});
}

/**
 * The facts from `top`, as a list (LI → Lbl, LBody) in reading order. Long values wrap; if the list
 * would pass `bottom`, the rows tighten and then the value font shrinks from 10.5 to 10 pt (never
 * truncated: these are the court's facts). Returns where it ended.
 */
function drawFacts(doc: Doc, parent: StructElement, f: PrintableFacts, top: number, bottom: number): number {
	const rows = certificateRows(f);
	// Measuring is most of the layout's cost: once per size tried; padding only adds.
	const sum = (hs: number[], pad: number) => hs.reduce((a, h) => a + h + pad, 0);
	let size = FACT_SIZE_MAX;
	let heights = rowHeights(doc, rows, size);
	let pad = 10;
	while (pad > 4 && top + sum(heights, pad) > bottom) pad -= 1;
	// Below 10 pt only for facts far longer than any form accepts: smaller type beats a second page.
	while (size > 8 && top + sum(heights, pad) > bottom) heights = rowHeights(doc, rows, (size -= 0.5));

	let y = top;
	artifact(doc, () =>
		doc
			.moveTo(X, y)
			.lineTo(X + CW, y)
			.lineWidth(0.8)
			.strokeColor(ACCENT)
			.stroke()
	);
	const list = group(doc, parent, 'L');
	rows.forEach((row, r) => {
		const h = heights[r] + pad;
		row.forEach((cell, i) => {
			const x = X + i * (HALF_W + GUTTER);
			const item = group(doc, list, 'LI');
			tag(doc, item, 'Lbl', () =>
				doc
					.font('sans')
					.fontSize(LABEL_SIZE)
					.fillColor(MUTED)
					.text(cell.label, x, y + pad / 2 + (size - LABEL_SIZE) * 0.75, { width: LABEL_W })
			);
			tag(doc, item, 'LBody', () =>
				doc
					.font('sans')
					.fontSize(size)
					.fillColor(INK)
					.text(cell.value, x + LABEL_W + 6, y + pad / 2, { width: valueWidth(row) })
			);
			item.end();
		});
		y += h;
		const at = y;
		artifact(doc, () =>
			doc
				.moveTo(X, at)
				.lineTo(X + CW, at)
				.lineWidth(0.4)
				.strokeColor(RULE)
				.stroke()
		);
	});
	list.end();
	artifact(doc, () =>
		doc
			.moveTo(X, y)
			.lineTo(X + CW, y)
			.lineWidth(0.8)
			.strokeColor(ACCENT)
			.stroke()
	);
	return y;
}

const QR = 92;
/** Height of the verification block: the QR code and its caption. */
const VERIFY_H = QR + 14;

function drawVerification(doc: Doc, parent: StructElement, f: PrintableFacts, extra: RenderExtra, top: number) {
	const sect = group(doc, parent, 'Sect');
	const w = CW - QR - 24;
	const pair = (list: StructElement, label: string, value: string, y: number, size: number) => {
		const item = group(doc, list, 'LI');
		tag(doc, item, 'Lbl', () => doc.font('sans').fontSize(LABEL_SIZE).fillColor(MUTED).text(label, X, y, { width: w }));
		tag(doc, item, 'LBody', () =>
			doc
				.font('monoBold')
				.fontSize(size)
				.fillColor(INK)
				.text(value, X, y + 11, { width: w, lineBreak: false })
		);
		item.end();
	};
	const list = group(doc, sect, 'L');
	pair(list, 'Certificate number', f.serial, top, 15);
	pair(list, 'Verification code', groupCode(extra.code), top + 34, 14);
	list.end();
	tag(doc, sect, 'P', () =>
		doc
			.font('sans')
			.fontSize(9.5)
			.fillColor(INK)
			.text(`Verify at ${verifyBase(extra.verifyUrl)}`, X, top + 70, { width: w })
	);
	tag(doc, sect, 'P', () =>
		doc
			.font('sans')
			.fontSize(8.5)
			.fillColor(MUTED)
			.text(`Ed25519 signature fingerprint ${extra.fingerprint} · key ${f.keyId}`, X, doc.y + 3, { width: w })
	);

	const qrX = X + CW - QR;
	tag(doc, sect, 'Figure', () => drawQr(doc, extra.verifyUrl, qrX, top, QR), {
		alt: 'QR code that opens this certificate’s verification page, with its verification code.',
		bbox: [qrX, top, qrX + QR, top + QR]
	});
	tag(doc, sect, 'P', () =>
		doc
			.font('sans')
			.fontSize(7.5)
			.fillColor(MUTED)
			.text('Scan to verify', qrX - 10, top + QR + 4, { width: QR + 20, align: 'center' })
	);
	sect.end();
}

function smallPrint(f: PrintableFacts): string {
	const canonical =
		f.v === 2 ? 'their RFC 8785 (JCS) canonical JSON' : 'their canonical JSON (keys sorted, no whitespace, UTF-8, NFC)';
	return (
		'How to verify: scan the QR code, or open the address above and enter the certificate number and ' +
		'verification code; the page shows whether this certificate is valid, revoked or superseded, and the ' +
		'facts as issued. You can also upload this PDF there: any change to the file after issue is detected. ' +
		`The file carries a digital signature by ${f.provider} that PDF readers (Adobe Reader, pdfsig) check. ` +
		`The facts are also signed with Ed25519 over ${canonical}; the signed bytes and the signature are ` +
		'attached to this file (certificate-facts.json, certificate-facts.sig.json), so they can be checked ' +
		'without the site. Without the verification code no personal information is disclosed.'
	);
}

function checkSignedFacts(f: PrintableFacts, extra: RenderExtra) {
	// A guard against attaching another certificate's bytes: the parse is cheap, the mix-up is not.
	const parsed = JSON.parse(Buffer.from(extra.signedFacts).toString('utf8')) as { serial?: unknown; v?: unknown };
	if (parsed.serial !== f.serial || parsed.v !== f.v) throw new Error('signedFacts are not the facts being rendered');
}

export async function renderCertificatePdf(facts: PrintableFacts, extra: RenderExtra): Promise<Buffer> {
	checkSignedFacts(facts, extra);
	const when = new Date(facts.issuedAt);
	if (Number.isNaN(when.getTime())) throw new RangeError(`issuedAt is not a date: ${facts.issuedAt}`);
	const course = courseTitle(facts);
	const { doc, root, done } = archivalDocument({
		title: `Certificate of Completion ${facts.serial}`,
		author: facts.provider,
		subject: `${course}: certificate of completion for ${facts.participantName}, case ${facts.caseNumber}`,
		keywords: `${facts.serial} completion certificate`,
		createdAt: when
	});

	// Frame: a heavy outer rule and a thin inner one.
	artifact(doc, () => {
		doc
			.rect(24, 24, W - 48, H - 48)
			.lineWidth(2.2)
			.strokeColor(ACCENT)
			.stroke();
		doc
			.rect(30, 30, W - 60, H - 60)
			.lineWidth(0.6)
			.strokeColor(ACCENT)
			.stroke();
	});

	// Heading: program and provider. Positions flow, so a long program name may take two lines.
	const heading = facts.program.toUpperCase();
	tag(
		doc,
		root,
		'P',
		() => centered(doc, heading, 48, 'sansBold', fitSize(doc, 'sansBold', heading, CW, 12.5, 10, 1), ACCENT, 1),
		{ actual: facts.program }
	);
	tag(doc, root, 'P', () => centered(doc, facts.provider, doc.y + 2, 'sans', 10, MUTED));
	tag(doc, root, 'H1', () => centered(doc, 'Certificate of Completion', doc.y + 10, 'serifBold', 27, INK, 0.5));
	if (facts.v === 2 && facts.replacesSerial) {
		const serial = facts.replacesSerial;
		tag(doc, root, 'P', () =>
			centered(doc, `Reissued: replaces certificate ${serial}`, doc.y + 2, 'sansBold', 10, ACCENT)
		);
	}

	// The participant, as one paragraph: "This certifies that <name> has completed …".
	tag(doc, root, 'P', () => {
		centered(doc, 'This certifies that ', doc.y + 7, 'serifItalic', 11.5, MUTED);
		const nameSize = fitSize(doc, 'serifBold', facts.participantName, CW, 24, 16);
		doc
			.font('serifBold')
			.fontSize(nameSize)
			.fillColor(INK)
			.text(`${facts.participantName} `, X, doc.y + 4, { width: CW, align: 'center' });
		doc
			.font('serif')
			.fontSize(11)
			.fillColor(INK)
			.text(
				`has completed the ${course} on ${certificateDate(facts.completedAt)}, meeting every requirement of the curriculum stated below.`,
				X + 20,
				doc.y + 5,
				{ width: CW - 40, align: 'center' }
			);
	});

	// The bottom is fixed (small print, then the verification block above it); the facts take the rest.
	const print = smallPrint(facts);
	const printH = doc.font('sans').fontSize(7.2).heightOfString(print, { width: CW, lineGap: 0.5 });
	const printY = H - 38 - printH;
	const verifyY = printY - 10 - VERIFY_H;
	drawFacts(doc, root, facts, doc.y + 10, verifyY - 10);
	drawVerification(doc, root, facts, extra, verifyY);
	tag(doc, root, 'P', () =>
		doc.font('sans').fontSize(7.2).fillColor(MUTED).text(print, X, printY, { width: CW, lineGap: 0.5 })
	);

	attach(doc, {
		name: 'certificate-facts.json',
		type: 'application/json',
		description: `The facts of certificate ${facts.serial} exactly as signed with Ed25519 (the signature is in certificate-facts.sig.json).`,
		bytes: extra.signedFacts,
		date: when
	});
	const signature = {
		algorithm: 'Ed25519',
		keyId: facts.keyId,
		signature: extra.signature,
		signedFile: 'certificate-facts.json'
	};
	attach(doc, {
		name: 'certificate-facts.sig.json',
		type: 'application/json',
		description:
			'Ed25519 signature (base64) over the bytes of certificate-facts.json; the public key is published with its key id.',
		bytes: Buffer.from(`${JSON.stringify(signature, null, 2)}\n`, 'utf8'),
		date: when
	});

	doc.end();
	return done;
}
