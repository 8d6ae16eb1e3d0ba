import { sql } from 'kysely';
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
	return identityOf(db, user);
}

/** The columns of `users` an identity is made from (the session check reads them with the session). */
export interface IdentityUserRow {
	id: string;
	email: string;
	name: string;
	totp_key: string | null;
}

/**
 * A signed-in user's roles, programs and courts, and whether a program he works for (directly or
 * through one of its courts) requires staff two-factor: one statement, as it runs on every request.
 */
export async function identityOf(db: Db, user: IdentityUserRow): Promise<UserIdentity> {
	const kind = (k: string) => sql<string>`${sql.lit(k)}`.as('kind');
	const rows = await db
		.selectFrom('user_roles')
		.select((eb) => [kind('role'), eb.ref('role').$castTo<string>().as('value')])
		.where('user_id', '=', user.id)
		.unionAll(
			db
				.selectFrom('user_programs')
				.select([kind('program'), 'program_id as value'])
				.where('user_id', '=', user.id)
		)
		.unionAll(
			db
				.selectFrom('user_courts')
				.select([kind('court'), 'court_id as value'])
				.where('user_id', '=', user.id)
		)
		.unionAll(
			db
				.selectFrom('programs')
				.select([kind('settings'), 'settings_json as value'])
				.where((eb) =>
					eb.or([
						eb('id', 'in', eb.selectFrom('user_programs').select('program_id').where('user_id', '=', user.id)),
						eb(
							'id',
							'in',
							eb
								.selectFrom('courts')
								.innerJoin('user_courts', 'user_courts.court_id', 'courts.id')
								.select('courts.program_id')
								.where('user_courts.user_id', '=', user.id)
						)
					])
				)
		)
		.execute();
	const of = (k: string) => rows.filter((r) => r.kind === k).map((r) => r.value);
	const roles = of('role') as Role[];
	const staff = roles.some((r) => r !== 'participant');
	return {
		id: user.id,
		email: user.email,
		name: user.name,
		roles,
		programIds: of('program'),
		courtIds: of('court'),
		hasTotp: !!user.totp_key,
		twoFactorRequired:
			staff &&
			of('settings').some(
				(json) => (JSON.parse(json) as { staffTwoFactorRequired?: unknown }).staffTwoFactorRequired === true
			)
	};
}
