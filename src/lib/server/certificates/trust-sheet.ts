/**
 * "How to trust our certificates": a one-page instruction sheet for court staff (US Letter), with the
 * program CA's SHA-256 fingerprint in large print, where to get the CA, how to import it into Adobe
 * Reader and into an NSS database for pdfsig, what pdfsig's answers mean, and whom to call. Pure:
 * the same input gives the same bytes (dates come from the input, not the clock).
 */
import PDFDocument from 'pdfkit';
import { certificateFonts, type FontName } from './fonts';

export interface TrustSheetInput {
	programName: string;
	provider: string;
	/** who to call; null when the program has not set a phone number */
	phone: string | null;
	ca: { commonName: string; fingerprintSha256: string; notBefore: string; notAfter: string };
	signerName: string;
	urls: { cer: string; pem: string; crl: string; sheet: string; verify: string; keys: string };
	/** the day the sheet's content last changed (the CA's current CRL): printed, and the PDF's dates */
	asOf: string;
}

const W = 612;
const H = 792;
const X = 48;
const CW = W - 2 * X;
const INK = '#1a1a1a';
const MUTED = '#555555';
const ACCENT = '#1f3a5f';
const BOX = '#eef2f7';

type Doc = PDFKit.PDFDocument;

/** "AB:CD:…" (32 bytes) → four lines of eight bytes, so it can be read out and compared in pieces. */
export function fingerprintLines(fp: string): string[] {
	const bytes = fp.split(':');
	return [0, 8, 16, 24].map((i) => bytes.slice(i, i + 8).join(':'));
}

const day = (iso: string) => iso.slice(0, 10);

function heading(doc: Doc, text: string, gap = 6) {
	doc
		.font('sansBold')
		.fontSize(10.5)
		.fillColor(ACCENT)
		.text(text, X, doc.y + gap, { width: CW });
	doc.moveDown(0.15);
}

function para(doc: Doc, text: string, opts: { font?: FontName; size?: number; color?: string; indent?: number } = {}) {
	const indent = opts.indent ?? 0;
	doc
		.font(opts.font ?? 'sans')
		.fontSize(opts.size ?? 8.8)
		.fillColor(opts.color ?? INK)
		.text(text, X + indent, doc.y, { width: CW - indent, lineGap: 0.6 });
}

function steps(doc: Doc, items: string[]) {
	items.forEach((item, i) => {
		const y = doc.y + 1.5;
		doc
			.font('sansBold')
			.fontSize(8.8)
			.fillColor(ACCENT)
			.text(`${i + 1}.`, X, y, { width: 14 });
		doc
			.font('sans')
			.fontSize(8.8)
			.fillColor(INK)
			.text(item, X + 14, y, { width: CW - 14, lineGap: 0.6 });
	});
}

/** Largest size ≤ max at which a one-line text (an address, a command) fits: never wrapped mid-address. */
function fit(doc: Doc, font: FontName, text: string, width: number, max: number): number {
	let size = max;
	doc.font(font);
	while (size > 5 && doc.fontSize(size).widthOfString(text) > width) size -= 0.2;
	return size;
}

function code(doc: Doc, lines: string[]) {
	const top = doc.y + 3;
	const h = lines.length * 10.4 + 8;
	doc.rect(X, top, CW, h).fill(BOX);
	lines.forEach((line, i) =>
		doc
			.font('monoBold')
			.fontSize(fit(doc, 'monoBold', line, CW - 12, 7.6))
			.fillColor(INK)
			.text(line, X + 6, top + 5 + i * 10.4, { width: CW - 12, lineBreak: false })
	);
	doc.y = top + h;
}

function addresses(doc: Doc, rows: [string, string][]) {
	const labelW = 190;
	for (const [label, url] of rows) {
		const y = doc.y + 1.5;
		doc.font('sans').fontSize(8.6).fillColor(INK).text(label, X, y, { width: labelW, lineBreak: false });
		doc
			.font('monoBold')
			.fontSize(fit(doc, 'monoBold', url, CW - labelW, 8.4))
			.fillColor(INK)
			.text(url, X + labelW, y + 0.4, { width: CW - labelW, lineBreak: false });
		doc.y = y + 10.5;
	}
}

function fingerprintBox(doc: Doc, input: TrustSheetInput) {
	const top = doc.y + 8;
	const lines = fingerprintLines(input.ca.fingerprintSha256);
	const h = 28 + lines.length * 23 + 22;
	doc.rect(X, top, CW, h).lineWidth(1.4).fillAndStroke(BOX, ACCENT);
	doc
		.font('sansBold')
		.fontSize(8)
		.fillColor(MUTED)
		.text('SHA-256 FINGERPRINT OF THE PROGRAM CA: THE ONE THING TO COMPARE', X + 12, top + 10, {
			width: CW - 24,
			characterSpacing: 0.5
		});
	lines.forEach((line, i) =>
		doc
			.font('monoBold')
			.fontSize(18.5)
			.fillColor(INK)
			.text(line, X, top + 26 + i * 23, { width: CW, align: 'center', lineBreak: false })
	);
	doc
		.font('sans')
		.fontSize(8.3)
		.fillColor(INK)
		.text(
			`"${input.ca.commonName}", valid ${day(input.ca.notBefore)} to ${day(input.ca.notAfter)}. Anyone can make a CA with the same name; only this fingerprint tells ours apart.`,
			X + 12,
			top + 28 + lines.length * 23,
			{ width: CW - 24, align: 'center' }
		);
	doc.y = top + h;
}

function results(doc: Doc) {
	const rows: [string, string][] = [
		[
			'Signature is Valid.',
			'The signed part of the file is exactly what the program signed. "Digest Mismatch" or "Signature is Invalid" means it was changed: do not accept it.'
		],
		[
			'Total document signed',
			`The signature covers the whole file: nothing was added after signing. Without this line something was added later (it can paint another name over the page): do not accept the file; check it on the verification page.`
		],
		[
			'Certificate is Trusted.',
			'The signer chains to the CA you imported. "Certificate issuer is unknown" or "isn\'t Trusted": the CA is not imported, or the file was signed under a look-alike CA.'
		],
		[
			'Certificate has been Revoked.',
			'The program withdrew that signing key: check the certificate on the verification page before relying on it.'
		]
	];
	for (const [said, meaning] of rows) {
		const y = doc.y + 3;
		doc
			.font('monoBold')
			.fontSize(8)
			.fillColor(INK)
			.text(said, X, y + 0.6, { width: 150 });
		const left = doc.y;
		doc
			.font('sans')
			.fontSize(8.6)
			.fillColor(INK)
			.text(meaning, X + 158, y, { width: CW - 158, lineGap: 0.5 });
		doc.y = Math.max(doc.y, left);
	}
}

export async function renderTrustSheet(input: TrustSheetInput): Promise<Buffer> {
	const when = new Date(input.asOf);
	const doc = new PDFDocument({
		font: null as unknown as string,
		size: 'LETTER',
		margins: { top: 0, bottom: 0, left: 0, right: 0 },
		lang: 'en-US',
		displayTitle: true,
		info: {
			Title: `How to trust certificates from ${input.programName}`,
			Author: input.provider,
			Subject: `Program CA fingerprint ${input.ca.fingerprintSha256}`,
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

	const title = `How to trust certificates from ${input.programName}`;
	doc
		.font('sansBold')
		.fontSize(Math.max(12, fit(doc, 'sansBold', title, CW, 17)))
		.fillColor(ACCENT)
		.text(title, X, 40, { width: CW });
	para(
		doc,
		`For court staff: do this once on each computer used to check certificates of completion. As of ${day(input.asOf)}.`,
		{ color: MUTED, size: 9 }
	);

	heading(doc, 'What this is');
	para(
		doc,
		`${input.provider} signs every certificate of completion with a digital signature made under its own certificate authority (CA), "${input.ca.commonName}". A PDF reader reports the signature as trusted only after you import this CA and mark it trusted. Before you trust it, compare its fingerprint with the one below.`
	);
	fingerprintBox(doc, input);

	heading(doc, 'Where to get it (type the address yourself; never use a copy sent by e-mail)');
	addresses(doc, [
		['The CA for Adobe Reader (ca.cer)', input.urls.cer],
		['The CA for pdfsig (ca.pem)', input.urls.pem],
		['Its revocation list (CRL)', input.urls.crl],
		['The verification page (with the fingerprint)', input.urls.verify],
		['The fingerprint for programs (JSON)', input.urls.keys],
		['This sheet', input.urls.sheet]
	]);

	heading(doc, 'Adobe Acrobat Reader');
	steps(doc, [
		`Download ca.cer from the address above. Open Acrobat Reader: Menu (Edit on a Mac: Acrobat Reader) › Preferences › Signatures; under "Identities & Trusted Certificates" choose More….`,
		'Choose Trusted Certificates › Import › Browse, pick ca.cer, then Import.',
		`Select "${input.ca.commonName}" in the list, choose Edit Trust, tick "Use this certificate as a trusted root" and "Certified documents", then OK.`,
		'With it still selected choose Certificate Details › Details › SHA-256 digest: it must equal the fingerprint above. If it does not, delete it and call us.',
		`Open a certificate of completion: the bar at the top names "${input.signerName}" and says the signature is valid.`
	]);

	heading(doc, 'pdfsig (Linux: poppler-utils and libnss3-tools)');
	code(doc, [
		'mkdir nss && certutil -N -d sql:nss --empty-password',
		`curl -sO ${input.urls.pem}`,
		'certutil -A -d sql:nss -n program-ca -t ",C," -i ca.pem     # ",C,": trusted for signed documents',
		"certutil -L -d sql:nss -n program-ca | grep -A1 'Fingerprint (SHA-256)'   # must equal the fingerprint above",
		'pdfsig -nssdir sql:nss certificate.pdf'
	]);

	heading(doc, 'What pdfsig says, and what it means');
	results(doc);

	heading(doc, 'Questions');
	para(
		doc,
		`${input.phone ? `Call ${input.provider} at ${input.phone}.` : `Contact ${input.provider}.`} Any doubt about one certificate: type its serial and verification code on the verification page, or upload the file there.`
	);

	// One page is the point of the sheet: a layout that runs into the footer is a bug, not a second page.
	if (doc.y > H - 34)
		throw new Error(`the trust sheet does not fit on one page (content ends at ${Math.round(doc.y)} pt)`);
	const footer = `${input.programName} · program CA ${input.ca.fingerprintSha256}`;
	doc
		.font('sans')
		.fontSize(fit(doc, 'sans', footer, CW, 7))
		.fillColor(MUTED)
		.text(footer, X, H - 26, { width: CW, align: 'center', lineBreak: false });
	doc.end();
	return done;
}
