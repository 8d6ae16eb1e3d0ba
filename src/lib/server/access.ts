import type { Db } from './db';
import type { UserIdentity } from './users/users.queries';

// One deny-by-default policy: may this user see or act on this enrollment? Callers answer
// "not found" either way, so a record that is not yours looks like one that does not exist.
export type EnrollmentScope = { program_id: string; court_id: string; user_id: string | null };

export function canSeeEnrollment(
	user: UserIdentity,
	e: EnrollmentScope,
	as: 'participant' | 'facilitator' | 'court' | 'admin'
): boolean {
	if (!user.roles.includes(as)) return false;
	switch (as) {
		case 'participant':
			return e.user_id === user.id;
		case 'facilitator':
		case 'admin':
			return user.programIds.includes(e.program_id);
		case 'court':
			return user.courtIds.includes(e.court_id);
	}
}

/** The role a staff member acts in on a program's records (facilitator first), or null. */
export function staffRole(user: UserIdentity): 'facilitator' | 'admin' | null {
	return user.roles.includes('facilitator') ? 'facilitator' : user.roles.includes('admin') ? 'admin' : null;
}

/** Programs whose records this user works on as staff: a facilitator's or an admin's own; nobody else's. */
export function staffProgramIds(user: UserIdentity): string[] {
	return staffRole(user) ? user.programIds : [];
}

/** The role a user acts in on court referrals (court staff first), or null. */
export function courtRole(user: UserIdentity): 'court' | 'admin' | null {
	return user.roles.includes('court') ? 'court' : user.roles.includes('admin') ? 'admin' : null;
}

/** Courts this user may create referrals for or see. */
export async function courtsInScope(db: Db, user: UserIdentity) {
	const ids = new Set<string>(user.roles.includes('court') ? user.courtIds : []);
	if (user.roles.includes('admin') && user.programIds.length) {
		const rows = await db.selectFrom('courts').select('id').where('program_id', 'in', user.programIds).execute();
		rows.forEach((r) => ids.add(r.id));
	}
	if (ids.size === 0) return [];
	return db
		.selectFrom('courts')
		.innerJoin('programs', 'programs.id', 'courts.program_id')
		.select(['courts.id', 'courts.name', 'courts.county', 'courts.program_id', 'programs.name as programName'])
		.where('courts.id', 'in', [...ids])
		.orderBy('courts.name')
		.execute();
}
