import type { Db } from '../db';
import type { Role } from '../db/schema';

export interface UserIdentity {
	id: string;
	email: string;
	name: string;
	roles: Role[];
	programIds: string[];
	courtIds: string[];
	hasTotp: boolean;
	/** Staff of a program that requires two-factor sign-in (see the program setting). */
	twoFactorRequired: boolean;
}

export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Db, email: string) {
	return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export async function findIdentity(db: Db, userId: string): Promise<UserIdentity | undefined> {
	const user = await db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'totp_key', 'disabled_at'])
		.where('id', '=', userId)
		.executeTakeFirst();
	if (!user || user.disabled_at) return undefined;
	const [roles, programs, courts] = await Promise.all([
		db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute(),
		db.selectFrom('user_programs').select('program_id').where('user_id', '=', userId).execute(),
		db.selectFrom('user_courts').select('court_id').where('user_id', '=', userId).execute()
	]);
	const identity = {
		id: user.id,
		email: user.email,
		name: user.name,
		roles: roles.map((r) => r.role),
		programIds: programs.map((p) => p.program_id),
		courtIds: courts.map((c) => c.court_id),
		hasTotp: !!user.totp_key,
		twoFactorRequired: false
	};
	if (identity.roles.some((r) => r !== 'participant'))
		identity.twoFactorRequired = await staffTwoFactorRequired(db, identity.programIds, identity.courtIds);
	return identity;
}

/** Whether any program the person works for, directly or through one of its courts, requires two-factor. */
async function staffTwoFactorRequired(db: Db, programIds: string[], courtIds: string[]): Promise<boolean> {
	if (!programIds.length && !courtIds.length) return false;
	const rows = await db
		.selectFrom('programs')
		.select('settings_json')
		.where((eb) =>
			eb.or([
				eb('id', 'in', programIds.length ? programIds : ['']),
				eb(
					'id',
					'in',
					eb
						.selectFrom('courts')
						.select('program_id')
						.where('id', 'in', courtIds.length ? courtIds : [''])
				)
			])
		)
		.execute();
	return rows.some(
		(r) => (JSON.parse(r.settings_json) as { staffTwoFactorRequired?: unknown }).staffTwoFactorRequired === true
	);
}
