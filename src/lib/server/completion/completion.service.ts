import { localDate } from '../../domain/program-settings';
import { readyForAttestation, readyForSignoff, type Requirement } from '../../domain/completion';
import { canSeeEnrollment, staffRole } from '../access';
import { audit } from '../audit/audit';
import { signingKeys } from '../certificates/certificate-keys';
import { issueCertificate } from '../certificates/issue';
import { nextSerial } from '../certificates/serials';
import { clock } from '../clock';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import { loadCourseState, loadCourseStates } from '../learning/evidence';
import { findOwnEnrollment } from '../learning/participant';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';

export type AttestResult = { ok: true } | { ok: false; reason: 'no_enrollment' | 'not_ready' | 'name_mismatch' | 'not_confirmed' | 'already_attested' };

function sameName(a: string, b: string): boolean {
	const n = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}]+/gu, ' ').trim();
	return n(a) === n(b);
}

export async function attest(db: Db, user: UserIdentity, input: { typedName: string; confirmed: boolean }, ip?: string): Promise<AttestResult> {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return { ok: false, reason: 'no_enrollment' };
	if (enrollment.attested_at) return { ok: false, reason: 'already_attested' };
	const state = await loadCourseState(db, enrollment);
	if (!readyForAttestation(state.requirements)) return { ok: false, reason: 'not_ready' };
	if (!input.confirmed) return { ok: false, reason: 'not_confirmed' };
	if (!sameName(input.typedName, enrollment.legal_name)) return { ok: false, reason: 'name_mismatch' };
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('enrollments').set({ attestation_name: input.typedName.trim(), attested_at: clock.iso() }).where('id', '=', enrollment.id).where('attested_at', 'is', null).execute();
		await audit(trx, { actorId: user.id, action: 'enrollment.attest', targetType: 'enrollment', targetId: enrollment.id, ip });
	});
	return { ok: true };
}

/** Participants of the facilitator's programs who have met every requirement and await sign-off. */
export async function reviewQueue(db: Db, user: UserIdentity) {
	if (!staffRole(user) || user.programIds.length === 0) return [];
	const candidates = await db
		.selectFrom('enrollments')
		.selectAll()
		.where('program_id', 'in', user.programIds)
		.where('status', '=', 'active')
		.where('attested_at', 'is not', null)
		.orderBy('attested_at')
		.execute();
	const states = await loadCourseStates(db, candidates);
	return states
		.filter((state) => readyForSignoff(state.requirements))
		.map((state) => ({ enrollment: state.enrollment, requirements: state.requirements, totalSeatSeconds: state.totalSeatSeconds }));
}

export async function enrollmentForStaff(db: Db, user: UserIdentity, enrollmentId: string): Promise<EnrollmentsTable | undefined> {
	const role = staffRole(user);
	const e = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	if (!e || !role || !canSeeEnrollment(user, e, role)) return undefined;
	return e;
}

const RESUME_AFTER_MS = 2 * 60_000;

export type SignoffResult =
	| { ok: true; serial: string; certificateId: string }
	| { ok: false; reason: 'not_found' | 'already_signed' | 'no_keys' }
	| { ok: false; reason: 'not_ready'; unmet: Requirement[] };

/**
 * Sign-off is decided here from the evidence in the database, whatever the browser posted.
 * It claims the sign-off (and a serial) in one transaction, then issues the certificate.
 */
export async function signOff(db: Db, facilitator: UserIdentity, enrollmentId: string, origin: string, ip?: string): Promise<SignoffResult> {
	const enrollment = await enrollmentForStaff(db, facilitator, enrollmentId);
	if (!enrollment) return { ok: false, reason: 'not_found' };
	const existing = await db.selectFrom('signoffs').selectAll().where('enrollment_id', '=', enrollmentId).executeTakeFirst();
	const issued = existing && (await db.selectFrom('certificates').select('id').where('serial', '=', existing.serial).executeTakeFirst());
	if (issued) return { ok: false, reason: 'already_signed' };
	// A claim without a certificate is either being issued right now or was interrupted: resume it
	// only once it is clearly stale, so two quick clicks never render twice.
	if (existing && clock.now().getTime() - Date.parse(existing.signed_at) < RESUME_AFTER_MS) return { ok: false, reason: 'already_signed' };
	if (!existing && enrollment.status !== 'active') return { ok: false, reason: 'not_found' };

	const state = await loadCourseState(db, enrollment);
	if (!existing && !readyForSignoff(state.requirements)) return { ok: false, reason: 'not_ready', unmet: state.requirements.filter((r) => !r.met) };

	if (!signingKeys().ok) return { ok: false, reason: 'no_keys' };
	const program = await db.selectFrom('programs').selectAll().where('id', '=', enrollment.program_id).executeTakeFirstOrThrow();
	let serial = existing?.serial;
	if (!serial) {
		try {
			serial = await db.transaction().execute(async (trx) => {
				const s = await nextSerial(trx, program);
				await trx
					.insertInto('signoffs')
					.values({ enrollment_id: enrollmentId, facilitator_id: facilitator.id, checklist_json: JSON.stringify(state.requirements), signed_at: clock.iso(), serial: s })
					.execute();
				await audit(trx, { actorId: facilitator.id, action: 'completion.signoff', targetType: 'enrollment', targetId: enrollmentId, ip, details: { serial: s } });
				return s;
			});
		} catch (e) {
			if (isUniqueViolation(e)) return { ok: false, reason: 'already_signed' };
			throw e;
		}
	}
	const signoff = await db.selectFrom('signoffs').innerJoin('users', 'users.id', 'signoffs.facilitator_id').select(['users.name', 'signoffs.signed_at']).where('enrollment_id', '=', enrollmentId).executeTakeFirstOrThrow();
	const [court, version] = await Promise.all([
		db.selectFrom('courts').select('name').where('id', '=', enrollment.court_id).executeTakeFirstOrThrow(),
		db.selectFrom('curriculum_versions').select('version').where('id', '=', enrollment.curriculum_version_id!).executeTakeFirstOrThrow()
	]);
	let result;
	try {
		result = await issueCertificate(db, {
		enrollmentId,
		programId: program.id,
		courtId: enrollment.court_id,
		issuedBy: facilitator.id,
		origin,
		ip,
		completedAt: signoff.signed_at,
		facts: {
			v: 1,
			serial: serial!,
			program: program.name,
			provider: program.provider,
			participantName: enrollment.legal_name,
			dateOfBirth: enrollment.date_of_birth,
			court: court.name,
			caseNumber: enrollment.case_number,
			offence: enrollment.offence,
			curriculumVersion: version.version,
			completedAt: localDate(signoff.signed_at, state.settings.timeZone),
			seatSeconds: state.totalSeatSeconds,
			attestation: { name: enrollment.attestation_name!, signedAt: enrollment.attested_at! },
			signedOffBy: signoff.name
		}
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'already_signed' };
		throw e;
	}
	if (!result.ok) return { ok: false, reason: 'no_keys' };
	return { ok: true, serial: result.serial, certificateId: result.certificateId };
}

