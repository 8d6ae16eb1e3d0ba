import { describe, expect, it } from 'vitest';
import { accessFor } from './guards';
import type { UserIdentity } from '../users/users.queries';

const user = (...roles: UserIdentity['roles']): UserIdentity => ({
	id: 'u',
	email: 'e',
	name: 'n',
	roles,
	programIds: [],
	courtIds: [],
	hasTotp: false,
	twoFactorRequired: false
});

describe('route-group guard (deny by default)', () => {
	it('refuses a route in a group that has no rule', () => {
		expect(accessFor('/(secret)/x', user('admin')).kind).toBe('unknown');
		expect(accessFor('/stray/page', user('admin')).kind).toBe('unknown');
	});

	it('sends a visitor without a session to log in, in every role area', () => {
		for (const id of [
			'/(participant)/learn',
			'/(facilitator)/facilitate',
			'/(court)/court',
			'/(admin)/admin',
			'/(account)/certificates/[id]'
		])
			expect(accessFor(id, null).kind).toBe('login');
	});

	it('answers forbidden to the wrong role', () => {
		expect(accessFor('/(facilitator)/facilitate', user('participant')).kind).toBe('forbidden');
		expect(accessFor('/(participant)/learn', user('court')).kind).toBe('forbidden');
		expect(accessFor('/(admin)/admin', user('facilitator', 'court')).kind).toBe('forbidden');
	});

	it('lets admins into the staff areas and each role into its own', () => {
		expect(accessFor('/(facilitator)/facilitate', user('admin')).kind).toBe('allow');
		expect(accessFor('/(court)/court', user('admin')).kind).toBe('allow');
		expect(accessFor('/(court)/court', user('court')).kind).toBe('allow');
		expect(accessFor('/(participant)/learn', user('participant')).kind).toBe('allow');
	});

	it('leaves public pages and machine endpoints open', () => {
		for (const id of [
			'/(public)',
			'/(public)/verify/[serial]',
			'/(auth)/login',
			'/api/v1/certificates/[serial]',
			'/healthz'
		])
			expect(accessFor(id, null).kind).toBe('allow');
	});
});
