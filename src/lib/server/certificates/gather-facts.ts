/**
 * The facts of a version-2 certificate that come from the records rather than from the referral:
 * the course and provider details (program settings), the county (the court), the seat time the
 * course required (the curriculum's minimums and the program's percentage), the signer's title and
 * the attestation text he signed. Read at sign-off, and at the reissue of a version-1 certificate,
 * which never carried them.
 */
import { factsProblems, type CertificateFacts, type UnsignedFacts } from '../../domain/certificate-facts';
import { parseProgramSettings } from '../../domain/program-settings';
import { nfc } from '../../domain/text';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import { loadCourseState, type CourseState } from '../learning/evidence';

export type RecordFacts = Pick<
	UnsignedFacts,
	| 'courseName'
	| 'courseNumber'
	| 'providerId'
	| 'providerPhone'
	| 'registrationNumber'
	| 'county'
	| 'requiredSeconds'
	| 'signedOffByTitle'
	| 'attestationText'
>;

/** `state`: the course state already read for this enrollment, if the caller has it. */
export async function recordFacts(
	db: Db,
	enrollment: EnrollmentsTable,
	signedOffBy: { title: string | null },
	state?: CourseState
): Promise<RecordFacts> {
	const [program, court, version, course] = await Promise.all([
		db.selectFrom('programs').select('settings_json').where('id', '=', enrollment.program_id).executeTakeFirstOrThrow(),
		db.selectFrom('courts').select('county').where('id', '=', enrollment.court_id).executeTakeFirstOrThrow(),
		db
			.selectFrom('curriculum_versions')
			.select('title')
			.where('id', '=', enrollment.curriculum_version_id!)
			.executeTakeFirstOrThrow(),
		state ?? loadCourseState(db, enrollment)
	]);
	const settings = parseProgramSettings(program.settings_json);
	return {
		courseName: nfc(settings.courseName ?? version.title),
		courseNumber: settings.courseNumber,
		providerId: settings.providerId,
		providerPhone: settings.providerPhone,
		registrationNumber: enrollment.registration_number,
		county: nfc(court.county),
		requiredSeconds: course.modules.reduce((n, m) => n + m.requiredSeconds, 0),
		signedOffByTitle: nfc(signedOffBy.title),
		// Attested before migration 0018 stored the text: the one wording shown until then (backfilled there).
		attestationText: enrollment.attestation_text!
	};
}

/** Every string of a value in NFC (facts carried over from a version-1 certificate, whose canonical form normalised them itself). */
export function nfcDeep<T>(value: T): T {
	if (typeof value === 'string') return value.normalize('NFC') as T;
	if (Array.isArray(value)) return value.map(nfcDeep) as T;
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfcDeep(v)])) as T;
	return value;
}

/** A broken invariant, not an expected outcome: facts that cannot be signed as they are. */
export function assertSignable(facts: UnsignedFacts): void {
	const problems = factsProblems({ ...facts, issuedAt: '2000-01-01T00:00:00Z', keyId: 'k' } as CertificateFacts);
	if (problems.length) throw new Error(`certificate facts: ${problems.join('; ')}`);
}
