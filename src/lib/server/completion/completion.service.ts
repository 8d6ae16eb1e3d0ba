import { ATTESTATION_TEXT, type UnsignedFacts } from '../../domain/certificate-facts';
import { localDate } from '../../domain/program-settings';
import { nfc } from '../../domain/text';
import { readyForAttestation, readyForSignoff, type Requirement } from '../../domain/completion';
import { enrollmentInScope, programsInScope } from '../access';
import { audit } from '../audit/audit';
import { signingKeys } from '../certificates/certificate-keys';
import { assertSignable, recordFacts } from '../certificates/gather-facts';
import { issueCertificate } from '../certificates/issue';
import { nextSerial } from '../certificates/serials';
import { clock } from '../clock';
import type { Db } from '../db';
import { loadCourseState, loadCourseStates } from '../learning/evidence';
import { findOwnEnrollment } from '../learning/participant';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';

export type AttestResult =
	| { ok: true }
	| { ok: false; reason: 'no_enrollment' | 'not_ready' | 'name_mismatch' | 'not_confirmed' | 'already_attested' };

function sameName(a: string, b: string): boolean {
	const n = (s: string) =>
		s
			.normalize('NFKC')
			.toLowerCase()
			.replace(/[^\p{L}]+/gu, ' ')
			.trim();
	return n(a) === n(b);
}

export async function attest(
	db: Db,
	user: UserIdentity,
	input: { typedName: string; confirmed: boolean },
	ip?: string
): Promise<AttestResult> {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return { ok: false, reason: 'no_enrollment' };
	if (enrollment.attested_at) return { ok: false, reason: 'already_attested' };
	const state = await loadCourseState(db, enrollment);
	if (!readyForAttestation(state.requirements)) return { ok: false, reason: 'not_ready' };
	if (!input.confirmed) return { ok: false, reason: 'not_confirmed' };
	if (!sameName(input.typedName, enrollment.legal_name)) return { ok: false, reason: 'name_mismatch' };
	return db.transaction().execute(async (trx): Promise<AttestResult> => {
		// The name as typed (NFC: it is signed on the certificate) and the very sentence he signed.
		const u = await trx
			.updateTable('enrollments')
			.set({
				attestation_name: nfc(input.typedName.trim()),
				attestation_text: ATTESTATION_TEXT,
				attested_at: clock.iso()
			})
			.where('id', '=', enrollment.id)
			.where('attested_at', 'is', null)
			.executeTakeFirst();
		// A second submit read the enrollment before the first committed: one attestation, one audit entry.
		if (Number(u.numUpdatedRows) !== 1) return { ok: false, reason: 'already_attested' };
		await audit(trx, {
			actorId: user.id,
			action: 'enrollment.attest',
			targetType: 'enrollment',
			targetId: enrollment.id,
			ip
		});
		return { ok: true };
	});
}

/** Participants of the facilitator's programs who have met every requirement and await sign-off. */
export async function reviewQueue(db: Db, user: UserIdentity) {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return [];
	const candidates = await db
		.selectFrom('enrollments')
		.selectAll()
		.where('program_id', 'in', programs)
		.where('status', '=', 'active')
		.where('attested_at', 'is not', null)
		.orderBy('attested_at')
		.execute();
	const states = await loadCourseStates(db, candidates);
	return states
		.filter((state) => readyForSignoff(state.requirements))
		.map((state) => ({
			enrollment: state.enrollment,
			requirements: state.requirements,
			totalSeatSeconds: state.totalSeatSeconds
		}));
}

const RESUME_AFTER_MS = 2 * 60_000;

export type SignoffResult =
	| { ok: true; serial: string; certificateId: string }
	| { ok: false; reason: 'not_found' | 'already_signed' | 'no_keys' }
	| { ok: false; reason: 'not_ready'; unmet: Requirement[] };

type ClaimOutcome =
	| { ok: true; serial: string }
	| { ok: false; reason: 'not_found' | 'already_signed' }
	| { ok: false; reason: 'not_ready'; unmet: Requirement[] };

/**
 * Claims the sign-off and its serial. The enrollment row is locked first (the referral correction
 * takes the same lock and refuses once a sign-off exists), and the evidence is read again inside
 * the transaction, so the checklist stored is what was true when the claim was made.
 */
async function claimSignoff(
	db: Db,
	facilitator: UserIdentity,
	enrollmentId: string,
	program: { id: string; serial_prefix: string },
	ip?: string
): Promise<ClaimOutcome> {
	try {
		return await db.transaction().execute(async (trx): Promise<ClaimOutcome> => {
			const locked = await trx
				.updateTable('enrollments')
				.set((eb) => ({ status: eb.ref('status') }))
				.where('id', '=', enrollmentId)
				.where('status', '=', 'active')
				.where('purged_at', 'is', null)
				.executeTakeFirst();
			if (Number(locked.numUpdatedRows) !== 1) return { ok: false, reason: 'not_found' };
			if (
				await trx.selectFrom('signoffs').select('serial').where('enrollment_id', '=', enrollmentId).executeTakeFirst()
			)
				return { ok: false, reason: 'already_signed' };
			const enrollment = await trx
				.selectFrom('enrollments')
				.selectAll()
				.where('id', '=', enrollmentId)
				.executeTakeFirstOrThrow();
			const state = await loadCourseState(trx, enrollment);
			if (!readyForSignoff(state.requirements))
				return { ok: false, reason: 'not_ready', unmet: state.requirements.filter((r) => !r.met) };
			const serial = await nextSerial(trx, program);
			await trx
				.insertInto('signoffs')
				.values({
					enrollment_id: enrollmentId,
					facilitator_id: facilitator.id,
					checklist_json: JSON.stringify(state.requirements),
					signed_at: clock.iso(),
					serial
				})
				.execute();
			await audit(trx, {
				actorId: facilitator.id,
				action: 'completion.signoff',
				targetType: 'enrollment',
				targetId: enrollmentId,
				ip,
				details: { serial }
			});
			return { ok: true, serial };
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'already_signed' };
		throw e;
	}
}

/**
 * Sign-off is decided here from the evidence in the database, whatever the browser posted.
 * It claims the sign-off (and a serial) in one transaction, then issues the certificate.
 */
export async function signOff(
	db: Db,
	facilitator: UserIdentity,
	enrollmentId: string,
	origin: string,
	ip?: string
): Promise<SignoffResult> {
	const enrollment = await enrollmentInScope(db, facilitator, enrollmentId, 'staff');
	if (!enrollment) return { ok: false, reason: 'not_found' };
	const existing = await db
		.selectFrom('signoffs')
		.selectAll()
		.where('enrollment_id', '=', enrollmentId)
		.executeTakeFirst();
	const issued =
		existing &&
		(await db.selectFrom('certificates').select('id').where('serial', '=', existing.serial).executeTakeFirst());
	if (issued) return { ok: false, reason: 'already_signed' };
	// A claim without a certificate is either being issued right now or was interrupted: resume it
	// only once it is clearly stale, so two quick clicks never render twice.
	if (existing && clock.now().getTime() - Date.parse(existing.signed_at) < RESUME_AFTER_MS)
		return { ok: false, reason: 'already_signed' };
	if (!existing && enrollment.status !== 'active') return { ok: false, reason: 'not_found' };

	// An early answer for the usual refusal; the claim checks the evidence again.
	const state = await loadCourseState(db, enrollment);
	if (!existing && !readyForSignoff(state.requirements))
		return { ok: false, reason: 'not_ready', unmet: state.requirements.filter((r) => !r.met) };

	if (!signingKeys().ok) return { ok: false, reason: 'no_keys' };
	const program = await db
		.selectFrom('programs')
		.selectAll()
		.where('id', '=', enrollment.program_id)
		.executeTakeFirstOrThrow();
	let serial = existing?.serial;
	if (!serial) {
		const claim = await claimSignoff(db, facilitator, enrollmentId, program, ip);
		if (!claim.ok) return claim;
		serial = claim.serial;
	}
	// The facts are read after the claim: from then on the referral cannot be corrected (see
	// correctReferral), so these are the facts the certificate and the record will share.
	const current = await db
		.selectFrom('enrollments')
		.selectAll()
		.where('id', '=', enrollmentId)
		.executeTakeFirstOrThrow();
	if (current.status !== 'active' || current.purged_at) return { ok: false, reason: 'not_found' };
	const signoff = await db
		.selectFrom('signoffs')
		.innerJoin('users', 'users.id', 'signoffs.facilitator_id')
		.select(['users.name', 'users.title', 'signoffs.signed_at'])
		.where('enrollment_id', '=', enrollmentId)
		.executeTakeFirstOrThrow();
	const [court, version, records] = await Promise.all([
		db.selectFrom('courts').select('name').where('id', '=', current.court_id).executeTakeFirstOrThrow(),
		db
			.selectFrom('curriculum_versions')
			.select('version')
			.where('id', '=', current.curriculum_version_id!)
			.executeTakeFirstOrThrow(),
		recordFacts(db, current, signoff, state)
	]);
	// Version 2 (16 TAC §92.51's checklist), signed with RFC 8785: every text is NFC from input on.
	const facts: UnsignedFacts = {
		v: 2,
		serial,
		program: program.name,
		provider: program.provider,
		participantName: current.legal_name,
		dateOfBirth: current.date_of_birth,
		court: court.name,
		caseNumber: current.case_number,
		offence: current.offence,
		offenceDate: current.offence_date,
		curriculumVersion: version.version,
		completedAt: localDate(signoff.signed_at, state.settings.timeZone),
		seatSeconds: state.totalSeatSeconds,
		attestation: { name: current.attestation_name!, signedAt: current.attested_at! },
		signedOffBy: signoff.name,
		replacesSerial: null,
		...records
	};
	assertSignable(facts);
	let result;
	try {
		result = await issueCertificate(db, {
			enrollmentId,
			programId: program.id,
			courtId: current.court_id,
			issuedBy: facilitator.id,
			origin,
			ip,
			completedAt: signoff.signed_at,
			facts
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'already_signed' };
		throw e;
	}
	if (!result.ok && result.reason === 'not_active') {
		// Purged (or completed by a resumed issue) while the PDF was made: nothing was registered.
		const now = await db
			.selectFrom('enrollments')
			.select(['status', 'purged_at'])
			.where('id', '=', enrollmentId)
			.executeTakeFirstOrThrow();
		if (now.purged_at || now.status !== 'active')
			return { ok: false, reason: now.purged_at ? 'not_found' : 'already_signed' };
		throw new Error('signOff: the referral changed after the sign-off was claimed');
	}
	if (!result.ok) return { ok: false, reason: 'no_keys' };
	return { ok: true, serial: result.serial, certificateId: result.certificateId };
}
