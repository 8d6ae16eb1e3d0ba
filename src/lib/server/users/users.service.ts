import type { PasswordProblem } from '../../domain/password-policy';
import { passwordProblem } from '../auth/password-blocklist';
import { audit } from '../audit/audit';
import { hashPassword } from '../auth/password';
import { clock } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import { ROLES, type Role } from '../db/schema';
import { normaliseEmail } from './users.queries';
import { nfc } from '../../domain/text';

export interface NewStaffUser {
	email: string;
	name: string;
	/** job title, printed with his name where he signs a certificate (e.g. "Program Facilitator") */
	title?: string | null;
	password: string;
	roles: Role[];
	programIds: string[];
	courtIds: string[];
}

export type CreateUserResult =
	| { ok: true; id: string }
	| { ok: false; reason: 'email_taken' | 'bad_role' | 'court_required' | 'program_required' }
	| { ok: false; reason: 'weak_password'; problem: PasswordProblem };

export async function createStaffUser(db: Db, actorId: string | null, input: NewStaffUser): Promise<CreateUserResult> {
	if (input.roles.length === 0 || input.roles.some((r) => !ROLES.includes(r))) return { ok: false, reason: 'bad_role' };
	if (input.roles.includes('court') && input.courtIds.length === 0) return { ok: false, reason: 'court_required' };
	if (input.roles.some((r) => r === 'facilitator' || r === 'admin') && input.programIds.length === 0)
		return { ok: false, reason: 'program_required' };
	const email = normaliseEmail(input.email);
	const problem = passwordProblem(input.password, [input.name, email.split('@')[0]]);
	if (problem) return { ok: false, reason: 'weak_password', problem };
	const passwordHash = await hashPassword(input.password);
	const id = newId();
	try {
		await db.transaction().execute(async (trx) => {
			await trx
				.insertInto('users')
				// Names and titles in NFC: they are signed byte for byte on the certificates he signs off.
				.values({
					id,
					email,
					name: nfc(input.name.trim()),
					title: nfc(input.title?.trim() || null),
					password_hash: passwordHash,
					totp_key: null,
					totp_last_step: null,
					disabled_at: null,
					created_at: clock.iso()
				})
				.execute();
			for (const role of input.roles) await trx.insertInto('user_roles').values({ user_id: id, role }).execute();
			for (const programId of input.programIds)
				await trx.insertInto('user_programs').values({ user_id: id, program_id: programId }).execute();
			for (const courtId of input.courtIds)
				await trx.insertInto('user_courts').values({ user_id: id, court_id: courtId }).execute();
			await audit(trx, {
				actorId,
				action: 'user.create',
				targetType: 'user',
				targetId: id,
				details: { roles: input.roles.join(',') }
			});
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: false, reason: 'email_taken' };
		throw e;
	}
	return { ok: true, id };
}

export async function disableUser(db: Db, actorId: string | null, userId: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ disabled_at: clock.iso() }).where('id', '=', userId).execute();
		await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
		await audit(trx, { actorId, action: 'user.disable', targetType: 'user', targetId: userId });
	});
}

export function isUniqueViolation(e: unknown): boolean {
	const err = e as { code?: string; message?: string };
	return (
		err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
	);
}
