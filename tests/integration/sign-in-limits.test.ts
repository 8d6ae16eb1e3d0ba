// Online guessing stays limited without anyone being able to lock a real person out (NIST SP
// 800-63B-4 §3.2.2, ASVS 6.3.1), and no answer or wait tells who has an account (ASVS 6.3.8).
import { describe, expect, it } from 'vitest';
import { knowDevice } from '../../src/lib/server/auth/known-devices';
import { login, type LoginResult } from '../../src/lib/server/auth/login';
import { currentStep, enableTotp, pendingTotpKey, totpAt } from '../../src/lib/server/auth/totp';
import { clock } from '../../src/lib/server/clock';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD
} from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const MIN = 60_000;
const T0 = new Date('2026-03-02T09:00:10.000Z');
const wrong = (i: number) => `a wrong guess, number ${i}`;
const wait = (r: LoginResult) => (r.ok === false && r.reason === 'rate_limited' ? r.retryAfter : 0);

forEachDb('sign-in limits', (ctx) => {
	async function world() {
		clock.set(T0);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const staff = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const participant = (await makeParticipant(ctx.db, clerk, p.courtId)).user;
		return { ...p, staff, clerk, participant };
	}
	/** A browser the person signed in with before: its device tokens. */
	const knownBrowser = (userId: string) => knowDevice(ctx.db, [], userId);

	describe('who may not be locked out', () => {
		it('does not lock a staff member out when someone else fails 5 times from another address', async () => {
			const { staff } = await world();
			for (let i = 0; i < 5; i++)
				expect(await login(ctx.db, { email: staff.email, password: wrong(i), ip: '203.0.113.7' })).toEqual({
					ok: false,
					reason: 'invalid'
				});
			expect(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '198.51.100.20' })).toMatchObject({
				ok: true,
				userId: staff.id
			});
		});

		it('lets a court office behind one address in after 31 failures there: a delay of at most a minute, and none for a browser used before', async () => {
			const { clerk } = await world();
			const tokens = await knownBrowser(clerk.id);
			for (let i = 0; i < 31; i++)
				await login(ctx.db, { email: `someone-${i}@office.test`, password: wrong(i), ip: '192.0.2.50' });
			expect(
				await login(ctx.db, { email: clerk.email, password: TEST_PASSWORD, ip: '192.0.2.50', deviceTokens: tokens })
			).toMatchObject({ ok: true });
			const newBrowser = await login(ctx.db, { email: clerk.email, password: TEST_PASSWORD, ip: '192.0.2.50' });
			expect(wait(newBrowser)).toBeGreaterThan(0);
			expect(wait(newBrowser)).toBeLessThanOrEqual(60);
			clock.advance(MIN);
			expect(await login(ctx.db, { email: clerk.email, password: TEST_PASSWORD, ip: '192.0.2.50' })).toMatchObject({
				ok: true
			});
		});

		it('keeps letting a browser used before in while the account is guessed at from 150 addresses', async () => {
			const { staff } = await world();
			const tokens = await knownBrowser(staff.id);
			for (let i = 0; i < 150; i++)
				await login(ctx.db, { email: staff.email, password: wrong(i), ip: `10.20.${Math.floor(i / 200)}.${i % 200}` });
			// Another new browser, even with the right password, is held back: the account is under attack.
			expect(
				wait(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.99.0.1' }))
			).toBeGreaterThan(0);
			expect(
				await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.99.0.1', deviceTokens: tokens })
			).toMatchObject({ ok: true, userId: staff.id });
		});

		it('still lets a right password through to the second factor while the account-wide limit holds', async () => {
			const { staff } = await world();
			const key = await pendingTotpKey(ctx.db, staff);
			expect(await enableTotp(ctx.db, staff, 'x', TEST_PASSWORD, totpAt(key, currentStep()))).toMatchObject({
				ok: true
			});
			for (let i = 0; i < 40; i++) await login(ctx.db, { email: staff.email, password: wrong(i), ip: `10.30.0.${i}` });
			expect(wait(await login(ctx.db, { email: staff.email, password: wrong(99), ip: '10.31.0.1' }))).toBeGreaterThan(
				0
			);
			expect(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.31.0.2' })).toMatchObject({
				ok: true,
				twoFactor: true
			});
		});

		it('does not take a device token of one account for another', async () => {
			const { staff, clerk } = await world();
			const tokens = await knownBrowser(clerk.id);
			for (let i = 0; i < 5; i++) await login(ctx.db, { email: staff.email, password: wrong(i), ip: '10.40.0.1' });
			expect(
				wait(
					await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.40.0.1', deviceTokens: tokens })
				)
			).toBeGreaterThan(29 * 60);
		});
	});

	describe('guessing stays limited', () => {
		it('locks one address out of one account for 30 minutes after 5 failures, then lets the real user in', async () => {
			const { staff } = await world();
			for (let i = 0; i < 5; i++) await login(ctx.db, { email: staff.email, password: wrong(i), ip: '10.50.0.1' });
			const locked = await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.50.0.1' });
			expect(wait(locked)).toBeGreaterThan(29 * 60);
			clock.advance(29 * MIN);
			expect(
				wait(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.50.0.1' }))
			).toBeGreaterThan(0);
			clock.advance(MIN);
			expect(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.50.0.1' })).toMatchObject({
				ok: true
			});
		});

		it('never checks the password while an address is locked out of an account: the right one is refused alike', async () => {
			const { staff } = await world();
			for (let i = 0; i < 5; i++) await login(ctx.db, { email: staff.email, password: wrong(i), ip: '10.51.0.1' });
			const right = await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.51.0.1' });
			const bad = await login(ctx.db, { email: staff.email, password: wrong(6), ip: '10.51.0.1' });
			expect(right).toEqual(bad);
		});

		it('holds a browser used before to its own limit: 5 wrong staff passwords lock it for 30 minutes, wherever it goes', async () => {
			const { staff } = await world();
			const tokens = await knownBrowser(staff.id);
			for (let i = 0; i < 5; i++)
				await login(ctx.db, { email: staff.email, password: wrong(i), ip: `10.52.0.${i}`, deviceTokens: tokens });
			expect(
				wait(
					await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.52.1.1', deviceTokens: tokens })
				)
			).toBeGreaterThan(29 * 60);
			// The person himself can still sign in from another browser: nobody else's guessing held it.
			expect(await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.52.1.1' })).toMatchObject({
				ok: true
			});
			clock.advance(30 * MIN);
			expect(
				await login(ctx.db, { email: staff.email, password: TEST_PASSWORD, ip: '10.52.1.1', deviceTokens: tokens })
			).toMatchObject({ ok: true });
		});

		it('gives a participant on his own phone a progressive delay, never a 30-minute lock', async () => {
			const { participant } = await world();
			const tokens = await knownBrowser(participant.id);
			for (let i = 0; i < 5; i++)
				await login(ctx.db, { email: participant.email, password: wrong(i), ip: '10.53.0.1', deviceTokens: tokens });
			const delayed = await login(ctx.db, {
				email: participant.email,
				password: TEST_PASSWORD,
				ip: '10.53.0.1',
				deviceTokens: tokens
			});
			expect(wait(delayed)).toBeGreaterThan(0);
			expect(wait(delayed)).toBeLessThanOrEqual(2);
			clock.advance(2_000);
			expect(
				await login(ctx.db, {
					email: participant.email,
					password: TEST_PASSWORD,
					ip: '10.53.0.1',
					deviceTokens: tokens
				})
			).toMatchObject({ ok: true });
		});

		it('slows guessing at one account spread over many addresses, and stops it for an hour at 100', async () => {
			const { participant } = await world();
			for (let i = 0; i < 20; i++)
				expect(await login(ctx.db, { email: participant.email, password: wrong(i), ip: `10.60.0.${i}` })).toEqual({
					ok: false,
					reason: 'invalid'
				});
			expect(await login(ctx.db, { email: participant.email, password: wrong(20), ip: '10.60.1.0' })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			expect(
				wait(await login(ctx.db, { email: participant.email, password: wrong(21), ip: '10.60.1.1' }))
			).toBeGreaterThan(0);
			for (let i = 22; i < 100; i++) {
				clock.advance(16 * MIN);
				await login(ctx.db, {
					email: participant.email,
					password: wrong(i),
					ip: `10.61.${Math.floor(i / 200)}.${i % 200}`
				});
			}
			clock.advance(16 * MIN);
			await login(ctx.db, { email: participant.email, password: wrong(100), ip: '10.62.0.1' });
			expect(
				wait(await login(ctx.db, { email: participant.email, password: TEST_PASSWORD, ip: '10.62.0.2' }))
			).toBeGreaterThan(59 * 60);
		});
	});

	describe('no answer tells who has an account (ASVS 6.3.8)', () => {
		it('answers a staff e-mail, a participant e-mail and an unknown e-mail alike, waits included, through 8 failures', async () => {
			const { staff, participant } = await world();
			const runs: Record<string, LoginResult[]> = { staff: [], participant: [], unknown: [] };
			const emails = { staff: staff.email, participant: participant.email, unknown: 'nobody-at-all@nowhere.test' };
			for (let i = 0; i < 8; i++) {
				for (const [who, email] of Object.entries(emails))
					runs[who].push(await login(ctx.db, { email, password: wrong(i), ip: `10.70.0.${who.length}` }));
			}
			expect(runs.staff).toEqual(runs.unknown);
			expect(runs.participant).toEqual(runs.unknown);
			expect(runs.unknown.some((r) => wait(r) > 0)).toBe(true);
			// And a minute later, still the same: the lock lasts as long for everyone.
			clock.advance(MIN);
			const later = await Promise.all(
				Object.entries(emails).map(([who, email]) =>
					login(ctx.db, { email, password: wrong(9), ip: `10.70.0.${who.length}` })
				)
			);
			expect(later[0]).toEqual(later[2]);
			expect(later[1]).toEqual(later[2]);
		});
	});
});
