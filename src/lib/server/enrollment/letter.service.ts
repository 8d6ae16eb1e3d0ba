import { newEnrollmentCode } from '../../domain/enrollment-code';
import { parseProgramSettings } from '../../domain/program-settings';
import { actingRole } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { config } from '../config';
import type { Db } from '../db';
import { constantTimeEqualHex } from '../ids';
import type { UserIdentity } from '../users/users.queries';
import { hashEnrollmentCode } from './referral.service';
import { renderInstructionLetter, type LetterFacts } from './render-letter';

// The enrollment code is stored only as a hash, so a letter can be printed only by someone who holds
// the code: the clerk on the page that shows it right after creating the referral or a new code.

async function referralInScope(db: Db, user: UserIdentity, enrollmentId: string) {
	const e = await db
		.selectFrom('enrollments')
		.innerJoin('courts', 'courts.id', 'enrollments.court_id')
		.innerJoin('programs', 'programs.id', 'enrollments.program_id')
		.select([
			'enrollments.id',
			'enrollments.program_id',
			'enrollments.court_id',
			'enrollments.user_id',
			'enrollments.legal_name',
			'enrollments.case_number',
			'enrollments.due_date',
			'enrollments.status',
			'enrollments.code_hash',
			'enrollments.code_expires_at',
			'enrollments.code_used_at',
			'courts.name as courtName',
			'programs.name as programName',
			'programs.provider',
			'programs.settings_json'
		])
		.where('enrollments.id', '=', enrollmentId)
		.executeTakeFirst();
	return e && actingRole(user, e, 'court') ? e : undefined;
}

export type LetterResult =
	| { ok: true; pdf: Buffer; fileName: string }
	| { ok: false; reason: 'not_found' | 'wrong_code' | 'already_activated' | 'expired' };

export async function instructionLetter(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	code: string,
	origin: string,
	ip?: string
): Promise<LetterResult> {
	const e = await referralInScope(db, user, enrollmentId);
	if (!e) return { ok: false, reason: 'not_found' };
	if (e.code_used_at || e.user_id) return { ok: false, reason: 'already_activated' };
	if (!e.code_hash || !constantTimeEqualHex(hashEnrollmentCode(code), e.code_hash))
		return { ok: false, reason: 'wrong_code' };
	if (!e.code_expires_at || Date.parse(e.code_expires_at) <= clock.now().getTime())
		return { ok: false, reason: 'expired' };
	const facts: LetterFacts = {
		programName: e.programName,
		provider: e.provider,
		courtName: e.courtName,
		legalName: e.legal_name,
		caseNumber: e.case_number,
		dueDate: e.due_date,
		code,
		codeExpiresAt: e.code_expires_at,
		activateUrl: `${config.publicOrigin ?? origin}/activate`,
		timeZone: parseProgramSettings(e.settings_json).timeZone,
		printedAt: clock.iso()
	};
	const pdf = await renderInstructionLetter(facts);
	await db
		.transaction()
		.execute((trx) =>
			audit(trx, { actorId: user.id, action: 'referral.letter', targetType: 'enrollment', targetId: e.id, ip })
		);
	return { ok: true, pdf, fileName: `enrollment-letter-${e.case_number.replace(/[^A-Za-z0-9-]/g, '')}.pdf` };
}

export type NewCodeResult =
	{ ok: true; code: string; codeExpiresAt: string } | { ok: false; reason: 'not_found' | 'already_activated' };

/** A lost letter: a new code replaces the old one (which stops working at once), audited. */
export async function issueNewEnrollmentCode(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	ip?: string
): Promise<NewCodeResult> {
	const e = await referralInScope(db, user, enrollmentId);
	if (!e) return { ok: false, reason: 'not_found' };
	if (e.code_used_at || e.user_id) return { ok: false, reason: 'already_activated' };
	const settings = parseProgramSettings(e.settings_json);
	const code = newEnrollmentCode();
	const codeExpiresAt = new Date(clock.now().getTime() + settings.enrollmentCodeDays * 86_400_000).toISOString();
	const changed = await db.transaction().execute(async (trx) => {
		const r = await trx
			.updateTable('enrollments')
			.set({ code_hash: hashEnrollmentCode(code), code_expires_at: codeExpiresAt })
			.where('id', '=', e.id)
			.where('code_used_at', 'is', null)
			.where('user_id', 'is', null)
			.executeTakeFirst();
		if (Number(r.numUpdatedRows) !== 1) return false;
		await audit(trx, { actorId: user.id, action: 'referral.new_code', targetType: 'enrollment', targetId: e.id, ip });
		return true;
	});
	return changed ? { ok: true, code, codeExpiresAt } : { ok: false, reason: 'already_activated' };
}
