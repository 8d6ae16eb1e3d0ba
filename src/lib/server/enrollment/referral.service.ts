import { registrationNumber } from '../../domain/certificate-facts';
import { newEnrollmentCode, normaliseCaseNumber, normaliseEnrollmentCode } from '../../domain/enrollment-code';
import { nfc } from '../../domain/text';
import { parseProgramSettings } from '../../domain/program-settings';
import { courtsInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { newId, sha256Hex } from '../ids';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';

export interface ReferralInput {
	legalName: string;
	dateOfBirth: string;
	courtId: string;
	caseNumber: string;
	offence?: string | null;
	/** YYYY-MM-DD, where the court gives it; not after the referral date */
	offenceDate?: string | null;
	referralDate: string;
	dueDate: string;
	email?: string | null;
	phone?: string | null;
}

export type ReferralResult =
	| { ok: true; enrollmentId: string; code: string; codeExpiresAt: string; registrationNumber: string }
	| { ok: false; reason: 'court_not_found' | 'duplicate_case' | 'due_before_referral' | 'offence_after_referral' };

export function hashEnrollmentCode(code: string): string {
	return sha256Hex(`enrollment-code:${normaliseEnrollmentCode(code)}`);
}

export async function createReferral(
	db: Db,
	actor: UserIdentity,
	input: ReferralInput,
	ip?: string
): Promise<ReferralResult> {
	const courts = await courtsInScope(db, actor);
	const court = courts.find((c) => c.id === input.courtId);
	if (!court) return { ok: false, reason: 'court_not_found' };
	if (input.dueDate < input.referralDate) return { ok: false, reason: 'due_before_referral' };
	if (input.offenceDate && input.offenceDate > input.referralDate)
		return { ok: false, reason: 'offence_after_referral' };
	const program = await db
		.selectFrom('programs')
		.select(['id', 'settings_json', 'serial_prefix'])
		.where('id', '=', court.program_id)
		.executeTakeFirstOrThrow();
	const settings = parseProgramSettings(program.settings_json);

	const code = newEnrollmentCode();
	const now = clock.now();
	const codeExpiresAt = new Date(now.getTime() + settings.enrollmentCodeDays * 86_400_000).toISOString();
	const id = newId();
	let registration: string;
	try {
		registration = await db.transaction().execute(async (trx) => {
			const number = await nextRegistrationNumber(trx, program);
			await trx
				.insertInto('enrollments')
				.values({
					id,
					program_id: program.id,
					court_id: court.id,
					user_id: null,
					curriculum_version_id: null,
					// NFC here too (the forms already give it): the name is signed byte for byte on the certificate.
					legal_name: nfc(input.legalName.trim()),
					date_of_birth: input.dateOfBirth,
					case_number: normaliseCaseNumber(input.caseNumber),
					offence: nfc(input.offence?.trim() || null),
					offence_date: input.offenceDate || null,
					registration_number: number,
					referral_date: input.referralDate,
					due_date: input.dueDate,
					email: input.email?.trim().toLowerCase() || null,
					phone: input.phone?.trim() || null,
					status: 'referred',
					code_hash: hashEnrollmentCode(code),
					code_expires_at: codeExpiresAt,
					code_used_at: null,
					notice_version: null,
					notice_acknowledged_at: null,
					activated_at: null,
					seat_last_beat_at: null,
					fee_status: 'unpaid',
					fee_recorded_by: null,
					fee_recorded_at: null,
					attestation_name: null,
					attestation_text: null,
					attested_at: null,
					completed_at: null,
					purged_at: null,
					next_hearing_date: null,
					created_by: actor.id,
					created_at: now.toISOString()
				})
				.execute();
			await audit(trx, {
				actorId: actor.id,
				action: 'referral.create',
				targetType: 'enrollment',
				targetId: id,
				ip,
				details: { courtId: court.id }
			});
			return number;
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'duplicate_case' };
		throw e;
	}
	return { ok: true, enrollmentId: id, code, codeExpiresAt, registrationNumber: registration };
}

/**
 * The program's next registration number (RC-P-000124), in the referral's transaction: a referral
 * that fails leaves no gap-filling to do, as the counter's increment rolls back with it.
 */
async function nextRegistrationNumber(trx: Db, program: { id: string; serial_prefix: string }): Promise<string> {
	const row = await trx
		.insertInto('registration_counters')
		.values({ program_id: program.id, last_value: 1 })
		.onConflict((oc) =>
			oc.column('program_id').doUpdateSet((eb) => ({ last_value: eb('registration_counters.last_value', '+', 1) }))
		)
		.returning('last_value')
		.executeTakeFirstOrThrow();
	return registrationNumber(program.serial_prefix, Number(row.last_value));
}
