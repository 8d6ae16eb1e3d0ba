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
		db
			.selectFrom('user_courts')
			.select('court_id')
			.where('user_id', '=', userId)
			.execute()
	]);
	return {
		id: user.id,
		email: user.email,
		name: user.name,
		roles: roles.map((r) => r.role),
		programIds: programs.map((p) => p.program_id),
		courtIds: courts.map((c) => c.court_id),
		hasTotp: !!user.totp_key
	};
}
