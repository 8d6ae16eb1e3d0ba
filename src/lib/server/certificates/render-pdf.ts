/**
 * The certificate PDF, one US Letter page. Pure: facts in, bytes out, and the same input gives the
 * same bytes (CreationDate/ModDate come from facts.issuedAt, and pdfkit derives the file /ID from
 * the info dictionary, so nothing depends on the clock or on randomness).
 *
 * Fonts: Liberation Sans, Serif and Mono (assets/fonts/, SIL OFL), embedded as subsets, so the page
 * prints the same everywhere and any Latin, Greek or Cyrillic name renders ("Nguyễn", "Łukasz").
 * They are metric-compatible with Helvetica, Times and Courier, which this layout was drawn with.
 * Embedding costs render time (see STACK.md), which is why issuing runs in a worker thread.
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { certificateFonts, type FontName } from './fonts';
import { formatSeatTime } from '../../domain/certificate-facts';
import type { CertificateFacts } from '../../domain/certificate-facts';

export interface RenderExtra {
	/** full verification link, with ?code=…; the QR code points here */
	verifyUrl: string;
	/** verification code, printed grouped in fours */
	code: string;
	/** printable fingerprint of the Ed25519 signature */
	fingerprint: string;
}

const W = 612;
const H = 792;
const X = 66; // content left
const CW = W - 2 * X; // content width
const INK = '#1a1a1a';
const MUTED = '#555555';
const RULE = '#b8b8b8';
const ACCENT = '#1f3a5f';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
	'September', 'October', 'November', 'December'];

/** "1985-03-14" → "March 14, 1985" */
function longDate(ymd: string): string {
	const [y, m, d] = ymd.slice(0, 10).split('-').map(Number);
	return `${MONTHS[m - 1]} ${d}, ${y}`;
}

/** "2026-05-04T14:03:09.000Z" → "May 4, 2026, 14:03 UTC" */
function longUtc(iso: string): string {
	return `${longDate(iso)}, ${iso.slice(11, 16)} UTC`;
}

/** "k7qx2m9prt4w" → "K7QX 2M9P RT4W" (verifiers compare codes case-insensitively, ignoring spaces). */
export function groupCode(code: string): string {
	return (code.replace(/[\s-]/g, '').toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
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

export function attestationText(f: CertificateFacts): string {
	return `${f.attestation.name} attested on ${longDate(f.attestation.signedAt)} that he personally ` +
		'completed all coursework, under penalty of law.';
}

type Doc = PDFKit.PDFDocument;

/** Largest font size ≤ max at which text fits in width. */
function fitSize(doc: Doc, font: FontName, text: string, width: number, max: number, min: number, spacing = 0) {
	let size = max;
	doc.font(font);
	while (size > min && doc.fontSize(size).widthOfString(text, { characterSpacing: spacing }) > width) size -= 0.5;
	return size;
}

function centered(doc: Doc, text: string, y: number, font: FontName, size: number, color = INK, spacing = 0) {
	doc.font(font).fontSize(size).fillColor(color)
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
			if (!qr.modules.get(r, c)) { c++; continue; }
			const start = c;
			while (c < n && qr.modules.get(r, c)) c++;
			doc.rect(x + start * cell, y + r * cell, (c - start) * cell, cell);
		}
	}
	doc.fillColor('#000000').fill();
}

function factRows(f: CertificateFacts): [string, string][] {
	const rows: [string, string][] = [
		['Legal name', f.participantName],
		['Date of birth', longDate(f.dateOfBirth)],
		['Court', f.court],
		['Case number', f.caseNumber]
	];
	// "§ 609.324" stays on one line (display only: the signed facts are unchanged).
	if (f.offence) rows.push(['Offence', f.offence.replace(/§ /g, '§\u00A0')]);
	rows.push(
		['Program', `${f.program}, curriculum version ${f.curriculumVersion}`],
		['Completion date', longDate(f.completedAt)],
		['Total seat time', formatSeatTime(f.seatSeconds)],
		['Attestation', attestationText(f)],
		['Signed off by', f.signedOffBy],
		['Issued', longUtc(f.issuedAt)]
	);
	return rows;
}

const LABEL_W = 128;
const VALUE_X = X + LABEL_W + 10;
const VALUE_W = CW - LABEL_W - 10;

function rowHeight(doc: Doc, value: string, size: number): number {
	doc.font('sans').fontSize(size);
	return Math.max(doc.heightOfString(value, { width: VALUE_W }), size + 1.5) + 12;
}

/**
 * The facts table, from `top`. Long values wrap; if the table would pass `bottom`, the value font
 * shrinks (never truncates: these are the court's facts) down to 8 pt.
 */
function drawFacts(doc: Doc, f: CertificateFacts, top: number, bottom: number): number {
	const rows = factRows(f);
	let size = 10.5;
	const total = (s: number) => rows.reduce((sum, [, v]) => sum + rowHeight(doc, v, s), 0);
	while (size > 8 && top + total(size) > bottom) size -= 0.5;

	let y = top;
	doc.moveTo(X, y).lineTo(X + CW, y).lineWidth(0.8).strokeColor(ACCENT).stroke();
	for (const [label, value] of rows) {
		const h = rowHeight(doc, value, size);
		doc.font('sansBold').fontSize(7.5).fillColor(MUTED)
			.text(label.toUpperCase(), X, y + 8, { width: LABEL_W, characterSpacing: 0.6 });
		doc.font('sans').fontSize(size).fillColor(INK).text(value, VALUE_X, y + 6.5, { width: VALUE_W });
		y += h;
		doc.moveTo(X, y).lineTo(X + CW, y).lineWidth(0.4).strokeColor(RULE).stroke();
	}
	doc.moveTo(X, y).lineTo(X + CW, y).lineWidth(0.8).strokeColor(ACCENT).stroke();
	return y;
}

function drawVerification(doc: Doc, f: CertificateFacts, extra: RenderExtra, top: number) {
	const qrSize = 104;
	const qrX = X + CW - qrSize;
	drawQr(doc, extra.verifyUrl, qrX, top, qrSize);
	doc.font('sans').fontSize(7).fillColor(MUTED)
		.text('Scan to verify', qrX, top + qrSize + 4, { width: qrSize, align: 'center' });

	const w = CW - qrSize - 24;
	const label = (text: string, y: number) =>
		doc.font('sansBold').fontSize(7.5).fillColor(MUTED)
			.text(text.toUpperCase(), X, y, { width: w, characterSpacing: 0.6 });
	label('Serial number', top);
	doc.font('monoBold').fontSize(15).fillColor(INK).text(f.serial, X, top + 11, { width: w });
	label('Verification code', top + 34);
	doc.font('monoBold').fontSize(15).fillColor(INK).text(groupCode(extra.code), X, top + 45, { width: w });
	doc.font('sans').fontSize(9).fillColor(INK)
		.text(`Verify at ${verifyBase(extra.verifyUrl)}`, X, top + 70, { width: w });
	doc.font('sans').fontSize(8).fillColor(MUTED)
		.text(`Signature fingerprint ${extra.fingerprint}  ·  Ed25519 key ${f.keyId}`, X, doc.y + 3, { width: w });
}

function smallPrint(f: CertificateFacts): string {
	return 'How to verify: scan the QR code, or open the address above and enter the serial number and ' +
		'verification code; the page shows whether this certificate is valid, revoked or superseded, ' +
		'and the facts as issued. You can also upload this PDF there: any change to the file after ' +
		`issue is detected. The file carries a digital signature by ${f.provider} that PDF readers ` +
		'(Adobe Reader, pdfsig) check. The facts are also signed with Ed25519 over their canonical ' +
		'JSON (keys sorted, no whitespace, UTF-8, NFC), so they can be checked without this file. ' +
		'Without the verification code no personal information is disclosed.';
}

export async function renderCertificatePdf(facts: CertificateFacts, extra: RenderExtra): Promise<Buffer> {
	const when = new Date(facts.issuedAt);
	if (Number.isNaN(when.getTime())) throw new RangeError(`issuedAt is not a date: ${facts.issuedAt}`);
	const doc = new PDFDocument({
		// No default font: pdfkit would otherwise load its (unembedded) Helvetica.
		font: null as unknown as string,
		size: 'LETTER',
		layout: 'portrait',
		margins: { top: 0, bottom: 0, left: 0, right: 0 },
		lang: 'en-US',
		displayTitle: true,
		info: {
			Title: `Certificate of Completion ${facts.serial}`,
			Author: facts.provider,
			Subject: `${facts.program}: certificate of completion for ${facts.participantName}, ` +
				`case ${facts.caseNumber}`,
			Keywords: `${facts.serial} completion certificate`,
			Creator: 'John School',
			CreationDate: when,
			ModDate: when
		}
	});
	// pdfkit takes a parsed fontkit font where its types say bytes (PDFFontFactory.open checks .layout).
	for (const [name, font] of Object.entries(certificateFonts())) doc.registerFont(name, font as unknown as Buffer);
	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve, reject) => {
		doc.on('end', () => resolve(Buffer.concat(chunks)));
		doc.on('error', reject);
	});

	// Frame: a heavy outer rule and a thin inner one.
	doc.rect(24, 24, W - 48, H - 48).lineWidth(2.2).strokeColor(ACCENT).stroke();
	doc.rect(30, 30, W - 60, H - 60).lineWidth(0.6).strokeColor(ACCENT).stroke();

	// Heading: program and provider. Positions flow, so a long program name may take two lines.
	const heading = facts.program.toUpperCase();
	centered(doc, heading, 52, 'sansBold', fitSize(doc, 'sansBold', heading, CW, 13, 10, 1), ACCENT, 1);
	centered(doc, facts.provider, doc.y + 3, 'sans', 10.5, MUTED);
	centered(doc, 'Certificate of Completion', doc.y + 15, 'serifBold', 30, INK, 0.5);

	// The participant.
	centered(doc, 'This certifies that', doc.y + 9, 'serifItalic', 12, MUTED);
	const nameY = doc.y + 6;
	const nameSize = fitSize(doc, 'serifBold', facts.participantName, CW, 26, 12);
	doc.font('serifBold').fontSize(nameSize).fillColor(INK).text(facts.participantName, X,
		nameY + (26 - nameSize) / 2, { width: CW, align: 'center', lineBreak: false, ellipsis: true });
	doc.moveTo(W / 2 - 120, nameY + 34).lineTo(W / 2 + 120, nameY + 34).lineWidth(0.6).strokeColor(RULE).stroke();
	doc.font('serif').fontSize(11.5).fillColor(INK).text(
		`has completed the ${facts.program} on ${longDate(facts.completedAt)}, ` +
			'meeting every requirement of the curriculum stated below.',
		X + 20, nameY + 42, { width: CW - 40, align: 'center' }
	);

	// Fixed budget so nothing can spill onto a second page: table ≤ 562, block 584-702, print 706+.
	const end = drawFacts(doc, facts, Math.max(doc.y + 12, 244), 562);
	drawVerification(doc, facts, extra, Math.min(Math.max(end + 22, 560), 584));

	doc.font('sans').fontSize(6.8).fillColor(MUTED)
		.text(smallPrint(facts), X, 706, { width: CW, align: 'justify', lineGap: 0.5 });

	doc.end();
	return done;
}
