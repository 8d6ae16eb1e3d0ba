// An admin sets which live-session kinds a program requires for completion, and whether a late
// arrival counts. Only an admin of that program; the whole settings object is validated again.
import * as v from 'valibot';
import { SESSION_KINDS } from '../../domain/live-sessions';
import { ProgramSettingsSchema } from '../../domain/program-settings';
import { mayManageProgram, programsInScope } from '../access';
import { audit } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** The programs this admin runs, with their session requirement settings. */
export async function sessionRequirementSettings(db: Db, user: UserIdentity) {
	const ids = programsInScope(user, 'admin');
	if (!ids.length) return [];
	const rows = await db
		.selectFrom('programs')
		.select(['id', 'name', 'settings_json'])
		.where('id', 'in', ids)
		.orderBy('name')
		.execute();
	return rows.map((p) => {
		const s = v.parse(ProgramSettingsSchema, JSON.parse(p.settings_json));
		return {
			id: p.id,
			name: p.name,
			requiredSessionKinds: s.requiredSessionKinds,
			lateCountsAsPresent: s.lateCountsAsPresent,
			staffTwoFactorRequired: s.staffTwoFactorRequired,
			certificate: {
				courseName: s.courseName,
				courseNumber: s.courseNumber,
				providerId: s.providerId,
				providerPhone: s.providerPhone
			}
		};
	});
}

export type SessionRequirementResult =
	{ ok: true; changed: boolean } | { ok: false; reason: 'not_found' | 'unknown_kind' };

export async function setSessionRequirements(
	db: Db,
	user: UserIdentity,
	programId: string,
	input: { requiredSessionKinds: string[]; lateCountsAsPresent: boolean },
	ip?: string
): Promise<SessionRequirementResult> {
	if (!mayManageProgram(user, programId, 'admin')) return { ok: false, reason: 'not_found' };
	if (input.requiredSessionKinds.some((k) => !(SESSION_KINDS as readonly string[]).includes(k)))
		return { ok: false, reason: 'unknown_kind' };
	// Kept in the list's order, without repeats, so the stored value does not depend on the form.
	const kinds = SESSION_KINDS.filter((k) => input.requiredSessionKinds.includes(k));
	return db.transaction().execute(async (trx): Promise<SessionRequirementResult> => {
		// Lock the program row first (PostgreSQL): another settings change cannot interleave and be lost.
		const row = await trx
			.updateTable('programs')
			.set((eb) => ({ settings_json: eb.ref('settings_json') }))
			.where('id', '=', programId)
			.returning('settings_json')
			.executeTakeFirst();
		if (!row) return { ok: false, reason: 'not_found' };
		const raw = JSON.parse(row.settings_json) as Record<string, unknown>;
		const before = v.parse(ProgramSettingsSchema, raw);
		if (
			before.lateCountsAsPresent === input.lateCountsAsPresent &&
			before.requiredSessionKinds.join(',') === kinds.join(',')
		)
			return { ok: true, changed: false };
		// Only these two keys change; the others stay exactly as stored (defaults are not written out).
		const next = { ...raw, requiredSessionKinds: kinds, lateCountsAsPresent: input.lateCountsAsPresent };
		v.parse(ProgramSettingsSchema, next);
		await trx
			.updateTable('programs')
			.set({ settings_json: JSON.stringify(next) })
			.where('id', '=', programId)
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'program.settings',
			targetType: 'program',
			targetId: programId,
			ip,
			details: {
				requiredSessionKinds: kinds.join(','),
				lateCountsAsPresent: input.lateCountsAsPresent,
				was: before.requiredSessionKinds.join(',')
			}
		});
		return { ok: true, changed: true };
	});
}

export type StaffTwoFactorResult =
	{ ok: true; changed: boolean } | { ok: false; reason: 'not_found' | 'own_two_factor_first' };

/**
 * Requires (or stops requiring) two-factor sign-in of every staff member of the program and its
 * courts. The admin turning it on must already use it: otherwise the next page would lock him out
 * of this one until he set it up.
 */
export async function setStaffTwoFactor(
	db: Db,
	user: UserIdentity,
	programId: string,
	required: boolean,
	ip?: string
): Promise<StaffTwoFactorResult> {
	if (!mayManageProgram(user, programId, 'admin')) return { ok: false, reason: 'not_found' };
	if (required && !user.hasTotp) return { ok: false, reason: 'own_two_factor_first' };
	return db.transaction().execute(async (trx): Promise<StaffTwoFactorResult> => {
		const row = await trx
			.updateTable('programs')
			.set((eb) => ({ settings_json: eb.ref('settings_json') }))
			.where('id', '=', programId)
			.returning('settings_json')
			.executeTakeFirst();
		if (!row) return { ok: false, reason: 'not_found' };
		const raw = JSON.parse(row.settings_json) as Record<string, unknown>;
		if (v.parse(ProgramSettingsSchema, raw).staffTwoFactorRequired === required) return { ok: true, changed: false };
		const next = { ...raw, staffTwoFactorRequired: required };
		v.parse(ProgramSettingsSchema, next);
		await trx
			.updateTable('programs')
			.set({ settings_json: JSON.stringify(next) })
			.where('id', '=', programId)
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'program.settings',
			targetType: 'program',
			targetId: programId,
			ip,
			details: { staffTwoFactorRequired: required }
		});
		return { ok: true, changed: true };
	});
}

export interface CertificateDetails {
	courseName: string | null;
	courseNumber: string | null;
	providerId: string | null;
	providerPhone: string | null;
}

export type CertificateDetailsResult = { ok: true; changed: boolean } | { ok: false; reason: 'not_found' };

const DETAIL_KEYS = ['courseName', 'courseNumber', 'providerId', 'providerPhone'] as const;

/**
 * What the program's certificates state about the course and its provider (16 TAC §92.51). Applies
 * to certificates issued from now on; issued ones keep what they were signed with. An empty value
 * (null) leaves the line off (the course name then falls back to the curriculum's title).
 */
export async function setCertificateDetails(
	db: Db,
	user: UserIdentity,
	programId: string,
	input: CertificateDetails,
	ip?: string
): Promise<CertificateDetailsResult> {
	if (!mayManageProgram(user, programId, 'admin')) return { ok: false, reason: 'not_found' };
	return db.transaction().execute(async (trx): Promise<CertificateDetailsResult> => {
		const row = await trx
			.updateTable('programs')
			.set((eb) => ({ settings_json: eb.ref('settings_json') }))
			.where('id', '=', programId)
			.returning('settings_json')
			.executeTakeFirst();
		if (!row) return { ok: false, reason: 'not_found' };
		const raw = JSON.parse(row.settings_json) as Record<string, unknown>;
		const before = v.parse(ProgramSettingsSchema, raw);
		const changed = DETAIL_KEYS.filter((k) => before[k] !== (input[k] || null));
		if (!changed.length) return { ok: true, changed: false };
		const next = { ...raw };
		for (const k of DETAIL_KEYS) next[k] = input[k] || null;
		v.parse(ProgramSettingsSchema, next);
		await trx
			.updateTable('programs')
			.set({ settings_json: JSON.stringify(next) })
			.where('id', '=', programId)
			.execute();
		// Which settings changed, not their values (they are public, but the audit log names fields).
		await audit(trx, {
			actorId: user.id,
			action: 'program.settings',
			targetType: 'program',
			targetId: programId,
			ip,
			details: { certificateDetails: changed.join(',') }
		});
		return { ok: true, changed: true };
	});
}
