/**
 * The participant's enrollment instruction letter: one US Letter page a clerk prints or hands over.
 * It carries the one-time enrollment code, so it is made on request and never stored. Fonts are
 * embedded (Liberation, as on the certificate).
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { certificateFonts } from '../certificates/fonts';
import { longDate } from '../../format';

export interface LetterFacts {
	programName: string;
	provider: string;
	courtName: string;
	legalName: string;
	caseNumber: string;
	dueDate: string;
	code: string;
	codeExpiresAt: string;
	activateUrl: string;
	timeZone: string;
	printedAt: string;
}

const W = 612;
const X = 66;
const CW = W - 2 * X;
const INK = '#1a1a1a';
const MUTED = '#555555';
const ACCENT = '#1f3a5f';

export async function renderInstructionLetter(f: LetterFacts): Promise<Buffer> {
	const qr = QRCode.create(f.activateUrl, { errorCorrectionLevel: 'M' });
	const doc = new PDFDocument({
		size: 'LETTER',
		margin: 0,
		info: { Title: 'Enrollment instructions', Author: f.provider, CreationDate: new Date(f.printedAt) }
	});
	// The certificate's embedded fonts: names such as "Nguyễn" or "Łukasz" print as written.
	for (const [name, font] of Object.entries(certificateFonts())) doc.registerFont(name, font as unknown as Buffer);
	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

	doc.rect(0, 0, W, 10).fill(ACCENT);
	doc
		.fillColor(MUTED)
		.font('sans')
		.fontSize(10)
		.text(f.provider.toUpperCase(), X, 44, { width: CW, characterSpacing: 1 });
	doc.fillColor(ACCENT).font('sansBold').fontSize(20).text(f.programName, X, 60, { width: CW });
	doc.moveDown(0.2).fillColor(INK).font('sans').fontSize(12).text('Enrollment instructions', { width: CW });

	let y = doc.y + 18;
	doc.font('sans').fontSize(11).fillColor(INK);
	doc.text(`To: ${f.legalName}`, X, y, { width: CW });
	doc.text(`Case number: ${f.caseNumber}`, { width: CW });
	doc.text(`Referred by: ${f.courtName}`, { width: CW });
	y = doc.y + 14;
	doc
		.font('sansBold')
		.fontSize(13)
		.text(`Complete the program by ${longDate(f.dueDate)}.`, X, y, { width: CW });
	y = doc.y + 10;
	doc
		.font('sans')
		.fontSize(11)
		.text(
			'The court has referred you to this program. You take it online, on a phone or a computer, at your own pace: reading modules, short quizzes and written reflections, and any live session the program requires. When you finish, the program issues a certificate that your court can check.',
			X,
			y,
			{ width: CW, lineGap: 2 }
		);

	y = doc.y + 16;
	doc.font('sansBold').fontSize(12).fillColor(ACCENT).text('How to start', X, y);
	doc.fillColor(INK).font('sans').fontSize(11);
	const steps = [
		`Open ${f.activateUrl} (or scan the square code).`,
		'Enter the enrollment code below, your date of birth and your case number.',
		'Read the data practices notice, choose a password of at least 15 characters, and begin.'
	];
	steps.forEach((s, i) => doc.text(`${i + 1}.  ${s}`, X + 8, doc.y + 6, { width: CW - 130, lineGap: 1 }));

	// QR code to the activation page (it does not carry the code).
	const size = 104;
	const cell = size / qr.modules.size;
	const qx = X + CW - size;
	const qy = y;
	for (let r = 0; r < qr.modules.size; r++)
		for (let c = 0; c < qr.modules.size; c++)
			if (qr.modules.get(r, c)) doc.rect(qx + c * cell, qy + r * cell, cell, cell);
	doc.fill(INK);

	y = Math.max(doc.y, qy + size) + 22;
	doc.roundedRect(X, y, CW, 86, 6).lineWidth(1.2).strokeColor(ACCENT).stroke();
	doc
		.fillColor(MUTED)
		.font('sans')
		.fontSize(10)
		.text('YOUR ENROLLMENT CODE', X + 18, y + 14, { characterSpacing: 1 });
	doc
		.fillColor(INK)
		.font('monoBold')
		.fontSize(26)
		.text(f.code, X + 18, y + 30, { characterSpacing: 2 });
	doc
		.fillColor(MUTED)
		.font('sans')
		.fontSize(10)
		.text(`Works once. Valid until ${longDate(f.codeExpiresAt, f.timeZone)}.`, X + 18, y + 64);

	y += 110;
	doc.fillColor(INK).font('sansBold').fontSize(11).text('Keep this letter private.', X, y, { width: CW });
	doc
		.font('sans')
		.fontSize(10.5)
		.fillColor(INK)
		.text(
			'With your date of birth and case number, the code opens your account. If you lose it, ask the court clerk for a new code; the old one then stops working. Questions about your case go to your lawyer or probation officer; questions about the course go to the program.',
			{ width: CW, lineGap: 2 }
		);
	doc
		.fillColor(MUTED)
		.fontSize(9)
		.text(`Printed ${longDate(f.printedAt, f.timeZone)}.`, X, 730, { width: CW });
	doc.end();
	return done;
}
