import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './db';
import type { EnrollmentsTable, Role } from './db/schema';
import type { UserIdentity } from './users/users.queries';

// The one access policy: every page and endpoint checks role AND scope. Deny by default: a user acts
// on a record only through a role he holds whose scope contains it (his own enrollment, his courts,
// his programs). Callers answer "not found" either way, so a record that is not yours looks like one
// that does not exist.
//
// A user may hold several roles: each one he holds is tried against the record, and the first that
// grants it is the role he acts in (what the audit records). The same table below decides the
// single-record check (actingRole) and the list filter (whereInScope), so a list never shows what
// opening refuses, nor hides what it allows.

/** What the user is doing, and which roles may do it, in the order they are tried. */
export const PURPOSES = {
	/** his own enrollment, as its participant */
	own: ['participant'],
	/** court work: referrals, letters, hearings, the court's certificate pages (an admin may do it for his program's courts) */
	court: ['court', 'admin'],
	/** program work: case file, grading, sign-off, resets, sessions */
	staff: ['facilitator', 'admin'],
	/** program administration: settings, the certificate registry, corrections */
	admin: ['admin'],
	/** outcomes shown to either side (the evidence packet) */
	court_or_staff: ['court', 'facilitator', 'admin'],
	/** the certificate file: to its participant and to staff of either side */
	any: ['participant', 'court', 'facilitator', 'admin']
} as const satisfies Record<string, readonly Role[]>;

export type Purpose = keyof typeof PURPOSES;
export type ActingRole<P extends Purpose> = (typeof PURPOSES)[P][number];

/** Which of a record's keys each role's scope is matched on, and the user's ids for it. */
const SCOPE: Record<Role, { key: 'user' | 'court' | 'program'; ids: (u: UserIdentity) => string[] }> = {
	participant: { key: 'user', ids: (u) => [u.id] },
	court: { key: 'court', ids: (u) => u.courtIds },
	facilitator: { key: 'program', ids: (u) => u.programIds },
	admin: { key: 'program', ids: (u) => u.programIds }
};

/** The roles of this purpose that the user holds, each with what it matches on. */
function grants(user: UserIdentity, purpose: Purpose) {
	return PURPOSES[purpose]
		.filter((r) => user.roles.includes(r))
		.map((role) => ({ role, key: SCOPE[role].key, ids: SCOPE[role].ids(user) }));
}

export type EnrollmentScope = Pick<EnrollmentsTable, 'program_id' | 'court_id' | 'user_id'>;

/** The role in which this user may act on this enrollment for this purpose, or null: "not found". */
export function actingRole<P extends Purpose>(
	user: UserIdentity,
	e: EnrollmentScope,
	purpose: P
): ActingRole<P> | null {
	const value = { user: e.user_id, court: e.court_id, program: e.program_id };
	const g = grants(user, purpose).find((x) => {
		const v = value[x.key];
		return v !== null && x.ids.includes(v);
	});
	return (g?.role as ActingRole<P> | undefined) ?? null;
}

/** Column names of a query's record, for whereInScope (a key left out grants nothing). */
export type ScopeColumns = { user?: string; court?: string; program?: string };

const enrollmentColumns = (t: string): ScopeColumns => ({
	user: `${t}.user_id`,
	court: `${t}.court_id`,
	program: `${t}.program_id`
});

/**
 * actingRole as a WHERE condition, for lists: the rows some role of this purpose grants. By default
 * on `enrollments`; pass the alias (e.g. 'e') or the columns of another table (courts: id, program_id).
 */
export function whereInScope(
	user: UserIdentity,
	purpose: Purpose,
	columns: ScopeColumns | string = 'enrollments'
): Expression<SqlBool> {
	const cols = typeof columns === 'string' ? enrollmentColumns(columns) : columns;
	const parts = grants(user, purpose).flatMap((g) => {
		const col = cols[g.key];
		return col && g.ids.length ? [sql<SqlBool>`${sql.ref(col)} in (${sql.join(g.ids)})`] : [];
	});
	return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` or `)})` : sql<SqlBool>`1 = 0`;
}

/** The enrollment, if this user may act on it for this purpose; undefined ("not found") otherwise. */
export async function enrollmentInScope(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	purpose: Purpose
): Promise<EnrollmentsTable | undefined> {
	const e = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	return e && actingRole(user, e, purpose) ? e : undefined;
}

/** Programs whose records this user works on for this purpose ('staff': facilitators and admins). */
export function programsInScope(user: UserIdentity, purpose: 'staff' | 'admin'): string[] {
	return [...new Set(grants(user, purpose).flatMap((g) => (g.key === 'program' ? g.ids : [])))];
}

/** Whether this user may act on this program's records (sessions, certificates) for this purpose. */
export function mayManageProgram(user: UserIdentity, programId: string, purpose: 'staff' | 'admin'): boolean {
	return programsInScope(user, purpose).includes(programId);
}

/** Courts whose referrals this user may create and see: his own courts, and (admins) his programs' courts. */
export async function courtsInScope(db: Db, user: UserIdentity) {
	return db
		.selectFrom('courts')
		.innerJoin('programs', 'programs.id', 'courts.program_id')
		.select(['courts.id', 'courts.name', 'courts.county', 'courts.program_id', 'programs.name as programName'])
		.where(whereInScope(user, 'court', { court: 'courts.id', program: 'courts.program_id' }))
		.orderBy('courts.name')
		.execute();
}
