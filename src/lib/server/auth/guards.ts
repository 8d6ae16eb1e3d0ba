import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Role } from '../db/schema';
import type { UserIdentity } from '../users/users.queries';

// Which roles may enter each route group. A group missing here is refused (fail closed).
export const GROUP_ROLES: Record<string, Role[] | 'public'> = {
	'(public)': 'public',
	'(auth)': 'public',
	'(participant)': ['participant'],
	'(facilitator)': ['facilitator', 'admin'],
	'(court)': ['court', 'admin'],
	'(admin)': ['admin'],
	'(account)': ['participant', 'facilitator', 'court', 'admin']
};

/** Route ids outside any group that are still public (machine endpoints check for themselves). */
const PUBLIC_PREFIXES = ['/api/', '/healthz'];

export type Access = { kind: 'allow' } | { kind: 'login' } | { kind: 'forbidden' } | { kind: 'unknown' };

export function accessFor(routeId: string | null, user: UserIdentity | null): Access {
	if (routeId === null) return { kind: 'allow' }; // no route matched: SvelteKit answers 404
	if (PUBLIC_PREFIXES.some((p) => routeId.startsWith(p))) return { kind: 'allow' };
	const group = routeId.split('/')[1];
	const rule = group ? GROUP_ROLES[group] : undefined;
	if (!rule) return { kind: 'unknown' };
	if (rule === 'public') return { kind: 'allow' };
	if (!user) return { kind: 'login' };
	return user.roles.some((r) => rule.includes(r)) ? { kind: 'allow' } : { kind: 'forbidden' };
}

type Locals = App.Locals;

export function requireUser(locals: Locals, url?: URL): UserIdentity {
	if (!locals.user) redirect(303, url ? `/login?next=${encodeURIComponent(url.pathname)}` : '/login');
	return locals.user;
}

export function requireRole(locals: Locals, ...roles: Role[]): UserIdentity {
	const user = requireUser(locals);
	if (!user.roles.some((r) => roles.includes(r))) error(403, 'You do not have access to this page.');
	return user;
}

/** For JSON endpoints that change state: SvelteKit checks the origin only for form posts. */
export function requireSameOrigin(event: RequestEvent): void {
	const site = event.request.headers.get('sec-fetch-site');
	const origin = event.request.headers.get('origin');
	if (site && site !== 'same-origin' && site !== 'none') error(403, 'Cross-site request refused.');
	if (origin && origin !== event.url.origin) error(403, 'Cross-origin request refused.');
}
