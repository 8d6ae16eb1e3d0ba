// Certificate facts for the renderer's tests (test-only): a version 1 certificate as issued until now,
// a version 2 one with every field, and the hard cases the page must survive on one page.
import type { CertificateFacts } from '../../domain/certificate-facts';
import type { CertificateFactsV2 } from '../../domain/certificate-facts';

export const factsV1: CertificateFacts = {
	v: 1,
	serial: 'RC-2026-000123',
	program: 'Offenders Prostitution Program',
	provider: 'Breaking Free',
	participantName: 'Jonathan Michael Doe',
	dateOfBirth: '1985-03-14',
	court: 'Ramsey County District Court, Second Judicial District',
	caseNumber: '62-CR-26-1234',
	offence: 'Solicitation of a person to engage in prostitution (Minn. Stat. § 609.324)',
	curriculumVersion: '2026.1',
	completedAt: '2026-05-04',
	seatSeconds: 29100,
	attestation: { name: 'Jonathan Michael Doe', signedAt: '2026-05-04T13:55:02.000Z' },
	signedOffBy: 'Maria Hernandez, Facilitator',
	issuedAt: '2026-05-04T14:03:09.000Z',
	keyId: 'd0ebc8c2402525e1'
};

export const factsV2: CertificateFactsV2 = {
	...factsV1,
	v: 2,
	courseName: 'Offender Education Course',
	courseNumber: 'OEC-2026-01',
	providerId: 'TX-PRV-004512',
	providerPhone: '(651) 555-0100',
	registrationNumber: 'RC-P-000123',
	county: 'Ramsey',
	offenceDate: '2026-02-14',
	requiredSeconds: 28800,
	signedOffBy: 'Maria Hernandez',
	signedOffByTitle: 'Facilitator',
	replacesSerial: null,
	attestationText: 'I personally completed all the coursework, and I sign this attestation under penalty of law.'
};

const LONG_NAME = 'María José Nguyễn-Øvergård de la Peña Łukasiewicz-Ştefănescu';

/** A long name with accents from several scripts, and long court and staff names. */
export const longAccentedName: CertificateFactsV2 = {
	...factsV2,
	participantName: LONG_NAME,
	attestation: { ...factsV2.attestation, name: LONG_NAME },
	court: 'District Court of the State of Minnesota, County of Ramsey, Second Judicial District, Criminal Division',
	signedOffBy: 'Alexandra Catherine Montgomery-Richardson',
	signedOffByTitle: 'Senior Facilitator and Program Coordinator'
};

/** No offence given, and none of the optional program settings. */
export const noOffence: CertificateFactsV2 = {
	...factsV2,
	offence: null,
	offenceDate: null,
	courseNumber: null,
	providerId: null,
	providerPhone: null,
	signedOffByTitle: null
};

export const reissue: CertificateFactsV2 = { ...factsV2, serial: 'RC-2026-000140', replacesSerial: 'RC-2026-000123' };

const MAX_NAME =
	'Maximilian Alexander Bartholomew Christopherson-Vanderbilt de la Fuente y Montenegro-Wojciechowski III';

/** Every text as long as the forms accept (name 120, offence 200 characters), and a reissue. */
export const longest: CertificateFactsV2 = {
	...longAccentedName,
	participantName: MAX_NAME.padEnd(120, 'x'),
	attestation: { ...factsV2.attestation, name: MAX_NAME.padEnd(120, 'x') },
	offence:
		'Solicitation, inducement or promotion of prostitution; engaging in, hiring or agreeing to hire an adult to engage in prostitution (Minn. Stat. § 609.324, subd. 3(a)); public place'.padEnd(
			200,
			'.'
		),
	courseName: 'Offenders Prostitution Program: Court-Referred Offender Education Course for Minnesota and Texas',
	replacesSerial: 'RC-2026-000100'
};
