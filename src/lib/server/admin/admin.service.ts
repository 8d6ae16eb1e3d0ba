import { programsInScope } from '../access';
import { verifyAuditChain } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** The admin overview: accounts, courts and the audit log's state, for the admin's programs. */
export async function adminOverview(db: Db, admin: UserIdentity) {
	const programIds = programsInScope(admin, 'admin');
	if (!programIds.length) return undefined;
	const [programs, courts, users, roles, audit, chain] = await Promise.all([
		db
			.selectFrom('programs')
			.select(['id', 'name', 'provider', 'serial_prefix', 'settings_json'])
			.where('id', 'in', programIds)
			.execute(),
		db
			.selectFrom('courts')
			.select(['id', 'name', 'county'])
			.where('program_id', 'in', programIds)
			.orderBy('name')
			.execute(),
		db.selectFrom('users').select(['id', 'email', 'name', 'disabled_at', 'created_at']).orderBy('created_at').execute(),
		db.selectFrom('user_roles').select(['user_id', 'role']).execute(),
		db
			.selectFrom('audit_log')
			.select(['seq', 'at', 'actor_id', 'action', 'target_type', 'outcome'])
			.orderBy('seq', 'desc')
			.limit(25)
			.execute(),
		verifyAuditChain(db)
	]);
	const staff = users
		.map((u) => ({ ...u, roles: roles.filter((r) => r.user_id === u.id).map((r) => r.role) }))
		.filter((u) => u.roles.some((r) => r !== 'participant'));
	return {
		programs,
		courts,
		staff,
		audit,
		chain: { ok: chain.ok, entries: chain.entries, problems: chain.problems.slice(0, 5) }
	};
}
