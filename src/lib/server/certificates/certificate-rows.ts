/**
 * What the certificate page states, as labelled cells in reading order: the facts of a version 1
 * certificate (as issued until now) or of version 2, which carries what a Texas court record asks of
 * a completion certificate (16 TAC §92.51: course name and number, provider name, number and phone,
 * the participant's registration number, case number, court and county, offence and its date where
 * given, completion date, hours required and completed, the signer's name and title, the attestation
 * made under penalty of law, the certificate number, and which certificate a reissue replaces).
 * Pure; the layout is render-pdf.ts's.
 */
import {
	formatSeatTime,
	type CertificateFacts,
	type CertificateFactsV1,
	type CertificateFactsV2
} from '../../domain/certificate-facts';

export type PrintableFacts = CertificateFacts;

export interface Cell {
	label: string;
	value: string;
	/** half the width: two half cells share a row */
	half?: boolean;
}

const MONTHS = [
	'January',
	'February',
	'March',
	'April',
	'May',
	'June',
	'July',
	'August',
	'September',
	'October',
	'November',
	'December'
];

/**
 * "1985-03-14" → "March 14, 1985", spelt out here rather than by Intl (format.ts): the signed
 * certificate's text must not depend on the ICU data of the runtime that renders it.
 */
export function certificateDate(ymd: string): string {
	const [y, m, d] = ymd.slice(0, 10).split('-').map(Number);
	return `${MONTHS[m - 1]} ${d}, ${y}`;
}

/** "2026-05-04T14:03:09.000Z" → "May 4, 2026, 14:03 UTC" */
export function certificateTime(iso: string): string {
	return `${certificateDate(iso)}, ${iso.slice(11, 16)} UTC`;
}

// "§ 609.324" stays on one line (display only: the signed facts are unchanged).
const keepSection = (s: string) => s.replace(/§ /g, '§\u00A0');

/** The attestation of a version 1 certificate, which did not record the sentence itself. */
export function attestationV1(f: CertificateFactsV1): string {
	return `${f.attestation.name} attested on ${certificateDate(f.attestation.signedAt)} that he personally completed all coursework, under penalty of law.`;
}

function attestationV2(f: CertificateFactsV2): string {
	return `“${f.attestationText.trim()}” Typed and signed by ${f.attestation.name} on ${certificateTime(f.attestation.signedAt)}.`;
}

function rowsV1(f: CertificateFactsV1): Cell[] {
	return [
		{ label: 'Legal name', value: f.participantName },
		{ label: 'Date of birth', value: certificateDate(f.dateOfBirth), half: true },
		{ label: 'Case number', value: f.caseNumber, half: true },
		{ label: 'Court', value: f.court },
		...(f.offence ? [{ label: 'Offence', value: keepSection(f.offence) }] : []),
		{ label: 'Course', value: `${f.program}, curriculum version ${f.curriculumVersion}` },
		{ label: 'Completion date', value: certificateDate(f.completedAt), half: true },
		{ label: 'Total seat time', value: formatSeatTime(f.seatSeconds), half: true },
		{ label: 'Attestation', value: attestationV1(f) },
		{ label: 'Signed off by', value: f.signedOffBy, half: true },
		{ label: 'Issued', value: certificateTime(f.issuedAt), half: true }
	];
}

function rowsV2(f: CertificateFactsV2): Cell[] {
	const cells: (Cell | false)[] = [
		{ label: 'Legal name', value: f.participantName },
		{ label: 'Date of birth', value: certificateDate(f.dateOfBirth), half: true },
		{ label: 'Registration no.', value: f.registrationNumber, half: true },
		{ label: 'Court', value: f.court },
		{ label: 'County', value: f.county, half: true },
		{ label: 'Case number', value: f.caseNumber, half: true },
		!!f.offence && { label: 'Offence', value: keepSection(f.offence) },
		!!f.offenceDate && { label: 'Offence date', value: certificateDate(f.offenceDate), half: true },
		{ label: 'Course', value: f.courseName },
		!!f.courseNumber && { label: 'Course no.', value: f.courseNumber, half: true },
		{ label: 'Curriculum', value: `version ${f.curriculumVersion}`, half: true },
		{ label: 'Provider', value: f.provider },
		!!f.providerId && { label: 'Provider no.', value: f.providerId, half: true },
		!!f.providerPhone && { label: 'Provider phone', value: f.providerPhone, half: true },
		{ label: 'Hours required', value: formatSeatTime(f.requiredSeconds), half: true },
		{ label: 'Hours completed', value: formatSeatTime(f.seatSeconds), half: true },
		{ label: 'Completion date', value: certificateDate(f.completedAt), half: true },
		{ label: 'Issued', value: certificateTime(f.issuedAt), half: true },
		{ label: 'Attestation', value: attestationV2(f) },
		{ label: 'Signed off by', value: f.signedOffBy, half: !!f.signedOffByTitle },
		!!f.signedOffByTitle && { label: 'Title', value: f.signedOffByTitle, half: true },
		!!f.replacesSerial && { label: 'Replaces', value: `certificate ${f.replacesSerial}, which this reissue supersedes` }
	];
	return cells.filter((c): c is Cell => c !== false);
}

export function certificateCells(f: PrintableFacts): Cell[] {
	return f.v === 2 ? rowsV2(f) : rowsV1(f);
}

/** The cells as rows of one full cell or up to two half cells, in reading order. */
export function certificateRows(f: PrintableFacts): Cell[][] {
	const rows: Cell[][] = [];
	for (const cell of certificateCells(f)) {
		const last = rows.at(-1);
		if (cell.half && last && last.length === 1 && last[0].half) last.push(cell);
		else rows.push([cell]);
	}
	return rows;
}

/** The program name the heading shows, and the course the sentence names. */
export function courseTitle(f: PrintableFacts): string {
	return f.v === 2 ? f.courseName : f.program;
}
