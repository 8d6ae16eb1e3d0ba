import { describe, expect, it } from 'vitest';
import { login } from '../../src/lib/server/auth/login';
import { validateSessionToken } from '../../src/lib/server/auth/session';
import {
	currentStep,
	disableTotp,
	enableTotp,
	matchingStep,
	newTotpKey,
	pendingTotpKey,
	resetTotp,
	totpAt,
	totpKeyUri,
	verifySecondFactor
} from '../../src/lib/server/auth/totp';
import type { Db } from '../../src/lib/server/db';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { setStaffTwoFactor } from '../../src/lib/server/admin/program-settings.service';
import { clock } from '../../src/lib/server/clock';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD
} from '../../src/lib/server/testing/factories';
import { findIdentity } from '../../src/lib/server/users/users.queries';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-05-04T15:00:10.000Z'); // 10 s into a 30 s step
const STEP = 30_000;

/** Turns two-factor on the way the account page does: the key the server made, the password, a code. */
async function turnOn(db: Db, user: UserIdentity, sessionId = 'no-session'): Promise<string> {
	const key = await pendingTotpKey(db, user);
	expect(await enableTotp(db, user, sessionId, TEST_PASSWORD, totpAt(key, currentStep()))).toMatchObject({ ok: true });
	return key;
}

describe('TOTP codes (RFC 6238, SECURITY #4)', () => {
	it('matches the RFC 6238 SHA-1 test vector', () => {
		// RFC 6238 appendix B: key "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits: 287082.
		const key = Buffer.from('12345678901234567890').toString('base64');
		expect(totpAt(key, currentStep(59_000))).toBe('287082');
		expect(totpAt(key, currentStep(1111111109_000))).toBe('081804');
	});

	it('accepts the previous, current and next 30-second step and nothing further', () => {
		const key = newTotpKey();
		const now = T0.getTime();
		const s = currentStep(now);
		expect(matchingStep(key, totpAt(key, s), now)).toBe(s);
		expect(matchingStep(key, totpAt(key, s - 1), now)).toBe(s - 1);
		expect(matchingStep(key, totpAt(key, s + 1), now)).toBe(s + 1);
		expect(matchingStep(key, totpAt(key, s - 2), now)).toBeNull();
		expect(matchingStep(key, totpAt(key, s + 2), now)).toBeNull();
		expect(matchingStep(key, 'abcdef', now)).toBeNull();
		expect(matchingStep(key, '', now)).toBeNull();
	});

	it('writes a key URI an authenticator app reads (30 s, 6 digits)', () => {
		const uri = totpKeyUri('clerk@court.test', newTotpKey());
		expect(uri).toMatch(/^otpauth:\/\/totp\/John%20School:clerk%40court\.test\?/);
		expect(uri).toContain('period=30');
		expect(uri).toContain('digits=6');
	});
});

forEachDb('staff two-factor sign-in', (ctx) => {
	async function staffWithTotp() {
		clock.set(T0);
		const { programId } = await makeProgram(ctx.db);
		const user = await makeStaff(ctx.db, ['facilitator'], { programId });
		const first = await login(ctx.db, { email: user.email, password: TEST_PASSWORD, ip: '10.7.0.1' });
		if (!first.ok) throw new Error('login failed');
		const session = (await validateSessionToken(ctx.db, first.token))!;
		const key = await turnOn(ctx.db, user, session.id);
		return { user: (await findIdentity(ctx.db, user.id))!, key };
	}

	async function passwordStep(email: string) {
		const r = await login(ctx.db, { email, password: TEST_PASSWORD, ip: '10.7.0.2' });
		if (!r.ok) throw new Error('password step failed');
		return { ...r, session: (await validateSessionToken(ctx.db, r.token))! };
	}

	it('is not offered to participants', async () => {
		const { courtId, slug } = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId });
		const participant = (await makeParticipant(ctx.db, clerk, courtId)).user;
		expect(await enableTotp(ctx.db, participant, 'x', TEST_PASSWORD, '123456')).toEqual({
			ok: false,
			reason: 'not_staff'
		});
	});

	it('is only turned on by a code made from the key the server made, never from a key the form brings', async () => {
		clock.set(T0);
		const { courtId } = await makeProgram(ctx.db);
		const user = await makeStaff(ctx.db, ['court'], { courtId });
		// Nothing was shown yet: there is no key to confirm.
		expect(await enableTotp(ctx.db, user, 'x', TEST_PASSWORD, '000000')).toMatchObject({
			ok: false,
			reason: 'expired'
		});
		const planted = newTotpKey();
		const shown = await pendingTotpKey(ctx.db, user);
		expect(await enableTotp(ctx.db, user, 'x', TEST_PASSWORD, totpAt(planted, currentStep()))).toMatchObject({
			ok: false,
			reason: 'invalid'
		});
		expect(await enableTotp(ctx.db, user, 'x', TEST_PASSWORD, '000000')).toMatchObject({
			ok: false,
			reason: 'invalid'
		});
		// The same key is shown again on a reload, and it is kept sealed.
		expect(await pendingTotpKey(ctx.db, user)).toBe(shown);
		const row = await ctx.db
			.selectFrom('users')
			.select(['totp_key', 'totp_pending_key'])
			.where('id', '=', user.id)
			.executeTakeFirstOrThrow();
		expect(row.totp_key).toBeNull();
		expect(row.totp_pending_key).not.toContain(shown);
		// A key shown 15 minutes ago can no longer be confirmed.
		clock.advance(15 * 60_000);
		expect(await enableTotp(ctx.db, user, 'x', TEST_PASSWORD, totpAt(shown, currentStep()))).toMatchObject({
			ok: false,
			reason: 'expired'
		});
	});

	it('asks for the current password again before turning two-factor on', async () => {
		clock.set(T0);
		const { courtId } = await makeProgram(ctx.db);
		const user = await makeStaff(ctx.db, ['court'], { courtId });
		const key = await pendingTotpKey(ctx.db, user);
		expect(await enableTotp(ctx.db, user, 'x', 'not my password at all', totpAt(key, currentStep()))).toEqual({
			ok: false,
			reason: 'wrong_password'
		});
		for (let i = 0; i < 4; i++)
			await enableTotp(ctx.db, user, 'x', `wrong password number ${i}`, totpAt(key, currentStep()));
		expect(await enableTotp(ctx.db, user, 'x', TEST_PASSWORD, totpAt(key, currentStep()))).toMatchObject({
			ok: false,
			reason: 'rate_limited'
		});
		expect((await findIdentity(ctx.db, user.id))!.hasTotp).toBe(false);
	});

	it('ends every other session when it is turned on, and a half-open session never becomes a full one when it is turned off', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		const kept = await passwordStep(user.email);
		expect(await verifySecondFactor(ctx.db, kept.session.id, user.id, totpAt(key, currentStep()))).toEqual({
			ok: true
		});
		const halfOpen = await passwordStep(user.email);
		expect(halfOpen.session.twoFactorPending).toBe(true);
		clock.advance(STEP);
		expect(await disableTotp(ctx.db, user, kept.session.id, TEST_PASSWORD, totpAt(key, currentStep()))).toEqual({
			ok: true
		});
		// The half-open session is gone: not promoted to a signed-in one now that the account has no second factor.
		expect(await validateSessionToken(ctx.db, halfOpen.token)).toBeNull();
		expect(await validateSessionToken(ctx.db, kept.token)).toMatchObject({ userId: user.id });
	});

	it('does not promote a half-open session even if its row outlives the change (a second server, say)', async () => {
		const { user } = await staffWithTotp();
		const halfOpen = await passwordStep(user.email);
		await ctx.db.updateTable('users').set({ totp_key: null }).where('id', '=', user.id).execute();
		expect(await validateSessionToken(ctx.db, halfOpen.token)).toBeNull();
	});

	it('leaves the session unverified after the password until a right code is given', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		const r = await passwordStep(user.email);
		expect(r.twoFactor).toBe(true);
		expect(r.session.twoFactorVerified).toBe(false);
		expect(await verifySecondFactor(ctx.db, r.session.id, user.id, '123456')).toMatchObject({ ok: false });
		expect((await validateSessionToken(ctx.db, r.token))!.twoFactorVerified).toBe(false);
		expect(await verifySecondFactor(ctx.db, r.session.id, user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
		expect((await validateSessionToken(ctx.db, r.token))!.twoFactorVerified).toBe(true);
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'outcome'])
			.where('actor_id', '=', user.id)
			.execute();
		expect(audits).toEqual(
			expect.arrayContaining([
				{ action: 'auth.totp.enable', outcome: 'success' },
				{ action: 'auth.totp', outcome: 'failure' },
				{ action: 'auth.totp', outcome: 'success' }
			])
		);
	});

	it('accepts each code once: a replay, even in the same step, is refused', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		const code = totpAt(key, currentStep());
		const a = await passwordStep(user.email);
		expect(await verifySecondFactor(ctx.db, a.session.id, user.id, code)).toEqual({ ok: true });
		const b = await passwordStep(user.email);
		expect(await verifySecondFactor(ctx.db, b.session.id, user.id, code)).toEqual({ ok: false, reason: 'replayed' });
		// An older code (the previous step) is refused too once a later one was used.
		expect(await verifySecondFactor(ctx.db, b.session.id, user.id, totpAt(key, currentStep() - 1))).toEqual({
			ok: false,
			reason: 'replayed'
		});
		clock.advance(STEP);
		expect(await verifySecondFactor(ctx.db, b.session.id, user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
	});

	it('lets exactly one of two parallel submits of the same code through', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		const a = await passwordStep(user.email);
		const b = await passwordStep(user.email);
		const code = totpAt(key, currentStep());
		const results = await Promise.all([
			verifySecondFactor(ctx.db, a.session.id, user.id, code),
			verifySecondFactor(ctx.db, b.session.id, user.id, code)
		]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
	});

	it('accepts a code from a phone 30 s behind or ahead, not 60 s', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(3 * STEP);
		const a = await passwordStep(user.email);
		expect(await verifySecondFactor(ctx.db, a.session.id, user.id, totpAt(key, currentStep() - 2))).toMatchObject({
			ok: false,
			reason: 'invalid'
		});
		expect(await verifySecondFactor(ctx.db, a.session.id, user.id, totpAt(key, currentStep() - 1))).toEqual({
			ok: true
		});
		clock.advance(3 * STEP);
		const b = await passwordStep(user.email);
		expect(await verifySecondFactor(ctx.db, b.session.id, user.id, totpAt(key, currentStep() + 2))).toMatchObject({
			ok: false,
			reason: 'invalid'
		});
		expect(await verifySecondFactor(ctx.db, b.session.id, user.id, totpAt(key, currentStep() + 1))).toEqual({
			ok: true
		});
	});

	it('locks the code step for 30 minutes after 5 wrong codes, then lets the real user in', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		const a = await passwordStep(user.email);
		for (let i = 0; i < 5; i++)
			expect(await verifySecondFactor(ctx.db, a.session.id, user.id, String(100000 + i))).toMatchObject({
				ok: false,
				reason: 'invalid'
			});
		const locked = await verifySecondFactor(ctx.db, a.session.id, user.id, totpAt(key, currentStep()));
		expect(locked).toMatchObject({ ok: false, reason: 'rate_limited' });
		expect((locked as { retryAfter: number }).retryAfter).toBeGreaterThan(29 * 60);
		clock.advance(30 * 60_000);
		expect(await verifySecondFactor(ctx.db, a.session.id, user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
	});

	it('is turned off only with the password and a current code; an operator reset ends the sessions', async () => {
		const { user, key } = await staffWithTotp();
		clock.advance(STEP);
		expect(await disableTotp(ctx.db, user, 'x', TEST_PASSWORD, '000000')).toMatchObject({ ok: false });
		expect(await disableTotp(ctx.db, user, 'x', 'not my password at all', totpAt(key, currentStep()))).toEqual({
			ok: false,
			reason: 'wrong_password'
		});
		expect(await disableTotp(ctx.db, user, 'x', TEST_PASSWORD, totpAt(key, currentStep()))).toEqual({ ok: true });
		expect((await findIdentity(ctx.db, user.id))!.hasTotp).toBe(false);

		const again = await staffWithTotp();
		const r = await passwordStep(again.user.email);
		expect(await resetTotp(ctx.db, null, again.user.id)).toBe(true);
		expect(await validateSessionToken(ctx.db, r.token)).toBeNull();
		expect((await findIdentity(ctx.db, again.user.id))!.hasTotp).toBe(false);
		expect(await resetTotp(ctx.db, null, again.user.id)).toBe(false);
	});
});

forEachDb('two-factor keys at rest', (ctx) => {
	async function enrolled() {
		clock.set(T0);
		const { programId } = await makeProgram(ctx.db);
		const user = await makeStaff(ctx.db, ['facilitator'], { programId });
		const key = await turnOn(ctx.db, user);
		clock.advance(STEP);
		return {
			user,
			key,
			stored: (await ctx.db.selectFrom('users').select('totp_key').where('id', '=', user.id).executeTakeFirstOrThrow())
				.totp_key!
		};
	}

	it('stores the key sealed, never as the key itself, and still accepts its codes', async () => {
		const { user, key, stored } = await enrolled();
		expect(stored.startsWith('v1:')).toBe(true);
		expect(stored).not.toContain(key);
		expect(Buffer.from(stored.slice(3), 'base64').includes(Buffer.from(key, 'base64'))).toBe(false);
		expect(await verifySecondFactor(ctx.db, 'no-session', user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
	});

	it('does not open a sealed key copied to another account, or an altered one: no code is accepted', async () => {
		const a = await enrolled();
		const { programId } = await makeProgram(ctx.db);
		const b = await makeStaff(ctx.db, ['facilitator'], { programId });
		await ctx.db.updateTable('users').set({ totp_key: a.stored }).where('id', '=', b.id).execute();
		expect(await verifySecondFactor(ctx.db, 'no-session', b.id, totpAt(a.key, currentStep()))).toEqual({
			ok: false,
			reason: 'invalid'
		});
		const raw = Buffer.from(a.stored.slice(3), 'base64');
		raw[raw.length - 1] ^= 1;
		await ctx.db
			.updateTable('users')
			.set({ totp_key: `v1:${raw.toString('base64')}` })
			.where('id', '=', a.user.id)
			.execute();
		expect(await verifySecondFactor(ctx.db, 'no-session', a.user.id, totpAt(a.key, currentStep()))).toEqual({
			ok: false,
			reason: 'invalid'
		});
	});

	it('seals a key stored before sealing existed on its first use', async () => {
		const { user, key } = await enrolled();
		await ctx.db.updateTable('users').set({ totp_key: key }).where('id', '=', user.id).execute();
		expect(await verifySecondFactor(ctx.db, 'no-session', user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
		const after = (
			await ctx.db.selectFrom('users').select('totp_key').where('id', '=', user.id).executeTakeFirstOrThrow()
		).totp_key!;
		expect(after.startsWith('v1:')).toBe(true);
		clock.advance(STEP);
		expect(await verifySecondFactor(ctx.db, 'no-session', user.id, totpAt(key, currentStep()))).toEqual({ ok: true });
	});
});

forEachDb('two-factor required by program setting', (ctx) => {
	async function world() {
		clock.set(T0);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const other = await makeProgram(ctx.db);
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const key = await turnOn(ctx.db, admin);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		const participant = (await makeParticipant(ctx.db, clerk, p.courtId)).user;
		const otherAdmin = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		return {
			...p,
			other,
			admin: (await findIdentity(ctx.db, admin.id))!,
			key,
			clerk,
			facilitator,
			outsider,
			participant,
			otherAdmin
		};
	}
	const required = async (id: string) => (await findIdentity(ctx.db, id))!.twoFactorRequired;

	it('may be set only by an admin of that program, and by him only once he uses two-factor himself', async () => {
		const w = await world();
		expect(await setStaffTwoFactor(ctx.db, w.facilitator, w.programId, true)).toEqual({
			ok: false,
			reason: 'not_found'
		});
		expect(await setStaffTwoFactor(ctx.db, w.otherAdmin, w.programId, true)).toEqual({
			ok: false,
			reason: 'not_found'
		});
		expect(await setStaffTwoFactor(ctx.db, w.participant, w.programId, true)).toEqual({
			ok: false,
			reason: 'not_found'
		});
		const bare = await makeStaff(ctx.db, ['admin'], { programId: w.programId });
		expect(await setStaffTwoFactor(ctx.db, bare, w.programId, true)).toEqual({
			ok: false,
			reason: 'own_two_factor_first'
		});
		expect(await required(w.facilitator.id)).toBe(false);
	});

	it('applies to the staff of the program and of its courts, not to participants or other programs; it is audited', async () => {
		const w = await world();
		expect(await setStaffTwoFactor(ctx.db, w.admin, w.programId, true, '10.0.0.9')).toEqual({
			ok: true,
			changed: true
		});
		expect(await setStaffTwoFactor(ctx.db, w.admin, w.programId, true)).toEqual({ ok: true, changed: false });
		expect(await required(w.facilitator.id)).toBe(true);
		expect(await required(w.clerk.id)).toBe(true);
		expect(await required(w.admin.id)).toBe(true);
		expect(await required(w.participant.id)).toBe(false);
		expect(await required(w.outsider.id)).toBe(false);
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'details_json'])
			.where('target_id', '=', w.programId)
			.where('action', '=', 'program.settings')
			.execute();
		expect(audits.map((a) => JSON.parse(a.details_json!))).toEqual([{ staffTwoFactorRequired: true }]);
		expect(await setStaffTwoFactor(ctx.db, w.admin, w.programId, false)).toEqual({ ok: true, changed: true });
		expect(await required(w.clerk.id)).toBe(false);
	});

	it('refuses to turn two-factor off while the program requires it', async () => {
		const w = await world();
		await setStaffTwoFactor(ctx.db, w.admin, w.programId, true);
		clock.advance(STEP);
		const admin = (await findIdentity(ctx.db, w.admin.id))!;
		expect(await disableTotp(ctx.db, admin, 'x', TEST_PASSWORD, totpAt(w.key, currentStep()))).toEqual({
			ok: false,
			reason: 'required'
		});
		expect((await findIdentity(ctx.db, w.admin.id))!.hasTotp).toBe(true);
	});
});
