import { describe, expect, it } from 'vitest';
import type { Role } from './db/schema';
import type { UserIdentity } from './users/users.queries';
import { actingRole, mayManageProgram, programsInScope } from './access';

const user = (roles: Role[], programIds: string[] = [], courtIds: string[] = []): UserIdentity => ({
	id: 'u1',
	email: 'u1@staff.test',
	name: 'U',
	roles,
	programIds,
	courtIds,
	hasTotp: false,
	twoFactorRequired: false
});

const inB = { program_id: 'P', court_id: 'B', user_id: 'pat' };
const inA = { ...inB, court_id: 'A' };

describe('actingRole', () => {
	it('tries every role the user holds, not only the first: court A staff who is admin of P acts on court B as admin', () => {
		const u = user(['court', 'admin'], ['P'], ['A']);
		expect(actingRole(u, inA, 'court')).toBe('court');
		expect(actingRole(u, inB, 'court')).toBe('admin');
	});

	it('denies by default: no role of the purpose, or none whose scope holds the record', () => {
		expect(actingRole(user(['facilitator'], ['P']), inA, 'court')).toBeNull();
		expect(actingRole(user(['court'], [], ['A']), inB, 'court')).toBeNull();
		expect(actingRole(user(['court'], [], ['A']), inA, 'staff')).toBeNull();
		expect(actingRole(user(['admin'], ['Q']), inA, 'any')).toBeNull();
		expect(actingRole(user([]), inA, 'any')).toBeNull();
	});

	it('scopes a role by its own ids: a program id held for another role does not make court staff of its courts', () => {
		const u = user(['facilitator', 'court'], ['P'], ['C']);
		expect(actingRole(u, inA, 'court')).toBeNull();
		expect(actingRole(u, inA, 'staff')).toBe('facilitator');
		expect(actingRole(u, inA, 'court_or_staff')).toBe('facilitator');
		expect(actingRole(u, { ...inA, program_id: 'Q', court_id: 'C' }, 'court_or_staff')).toBe('court');
	});

	it('gives a participant only his own enrollment, and an enrollment without an account to nobody as participant', () => {
		const pat = { ...user(['participant']), id: 'pat' };
		expect(actingRole(pat, inA, 'own')).toBe('participant');
		expect(actingRole(pat, { ...inA, user_id: 'other' }, 'any')).toBeNull();
		expect(actingRole(pat, { ...inA, user_id: null }, 'own')).toBeNull();
	});
});

describe('program scope', () => {
	it('lists and checks programs by the same rule', () => {
		const u = user(['court', 'facilitator'], ['P', 'Q'], ['A']);
		expect(programsInScope(u, 'staff')).toEqual(['P', 'Q']);
		expect(programsInScope(u, 'admin')).toEqual([]);
		expect(mayManageProgram(u, 'Q', 'staff')).toBe(true);
		expect(mayManageProgram(u, 'Q', 'admin')).toBe(false);
		expect(programsInScope(user(['court'], ['P'], ['A']), 'staff')).toEqual([]);
	});
});
