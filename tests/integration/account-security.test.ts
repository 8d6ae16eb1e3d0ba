// A person's own account: his sessions (see, end, at most 10 at once, expired ones removed) and a
// password change that asks for the current password and signs him out elsewhere.
import { describe, expect, it } from 'vitest';
import { cleanupSignInData } from '../../src/lib/server/auth/cleanup';
import { knowDevice } from '../../src/lib/server/auth/known-devices';
import { login } from '../../src/lib/server/auth/login';
import { changePassword } from '../../src/lib/server/auth/password-change';
import { recordFailure, policies } from '../../src/lib/server/auth/rate-limit';
import {
	createSession,
	describeDevice,
	endOtherSessions,
	endOwnSession,
	IDLE_TIMEOUT_MS,
	listSessions,
	MAX_SESSIONS_PER_USER,
	validateSessionToken
} from '../../src/lib/server/auth/session';
import { clock } from '../../src/lib/server/clock';
import { makeProgram, makeStaff, TEST_PASSWORD } from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-04-01T12:00:00.000Z');
const NEW_PASSWORD = 'copper lanterns drift over quiet harbours';

describe('device descriptions', () => {
	it('names the browser and system only, never a version or a model', () => {
		expect(
			describeDevice(
				'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36'
			)
		).toBe('Chrome on Android');
		expect(
			describeDevice(
				'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
			)
		).toBe('Safari on iOS');
		expect(describeDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
			'Firefox on Windows'
		);
		expect(describeDevice('')).toBeNull();
		expect(describeDevice('curl/8.5.0')).not.toMatch(/\d/);
	});
});

forEachDb('account security', (ctx) => {
	async function person() {
		clock.set(T0);
		const { programId } = await makeProgram(ctx.db);
		return makeStaff(ctx.db, ['facilitator'], { programId });
	}
	async function signIn(email: string, ip = '10.0.0.1') {
		const r = await login(ctx.db, { email, password: TEST_PASSWORD, ip, device: 'Firefox on Linux' });
		if (!r.ok) throw new Error(`login: ${r.reason}`);
		return { token: r.token, id: r.token.split('.')[0] };
	}

	describe('sessions', () => {
		it("never lists or ends another person's session", async () => {
			const a = await person();
			const b = await makeStaff(ctx.db, ['facilitator'], { programId: (await makeProgram(ctx.db)).programId });
			const sa = await signIn(a.email);
			const sb = await signIn(b.email);
			expect((await listSessions(ctx.db, a.id, sa.id)).map((s) => s.id)).toEqual([sa.id]);
			expect(await endOwnSession(ctx.db, a.id, sb.id)).toBe(false);
			expect(await validateSessionToken(ctx.db, sb.token)).not.toBeNull();
		});

		it('lists his open sessions with their device, marks this one, and ends one or all the others (audited)', async () => {
			const u = await person();
			const first = await signIn(u.email);
			clock.advance(60_000);
			const second = await signIn(u.email);
			clock.advance(60_000);
			const third = await signIn(u.email);
			const listed = await listSessions(ctx.db, u.id, third.id);
			expect(listed.map((s) => [s.id, s.current, s.device])).toEqual([
				[third.id, true, 'Firefox on Linux'],
				[second.id, false, 'Firefox on Linux'],
				[first.id, false, 'Firefox on Linux']
			]);
			expect(await endOwnSession(ctx.db, u.id, first.id)).toBe(true);
			expect(await validateSessionToken(ctx.db, first.token)).toBeNull();
			expect(await endOtherSessions(ctx.db, u.id, third.id)).toBe(1);
			expect(await validateSessionToken(ctx.db, second.token)).toBeNull();
			expect(await validateSessionToken(ctx.db, third.token)).not.toBeNull();
			const audits = await ctx.db
				.selectFrom('audit_log')
				.select('action')
				.where('actor_id', '=', u.id)
				.where('action', '=', 'auth.session.end')
				.execute();
			expect(audits).toHaveLength(2);
		});

		it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per person: the oldest ends at the next sign-in`, async () => {
			const u = await person();
			const tokens: string[] = [];
			for (let i = 0; i < MAX_SESSIONS_PER_USER + 2; i++) {
				clock.advance(1000);
				tokens.push((await createSession(ctx.db, u.id)).token);
			}
			const rows = await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
			expect(rows).toHaveLength(MAX_SESSIONS_PER_USER);
			expect(await validateSessionToken(ctx.db, tokens[0])).toBeNull();
			expect(await validateSessionToken(ctx.db, tokens[1])).toBeNull();
			expect(await validateSessionToken(ctx.db, tokens.at(-1)!)).not.toBeNull();
		});

		it('removes expired sessions, spent counters and forgotten devices, and nothing still in use', async () => {
			const u = await person();
			const stale = await signIn(u.email);
			await recordFailure(ctx.db, 'login:pair:test:10.0.0.9', policies.loginPair);
			await knowDevice(ctx.db, [], u.id);
			clock.advance(IDLE_TIMEOUT_MS + 60_000);
			const fresh = await signIn(u.email);
			clock.advance(25 * 3_600_000);
			const live = await signIn(u.email);
			const r = await cleanupSignInData(ctx.db);
			expect(r.sessions).toBe(2);
			expect(r.limits).toBeGreaterThanOrEqual(1);
			expect(await validateSessionToken(ctx.db, live.token)).not.toBeNull();
			for (const t of [stale, fresh])
				expect(
					await ctx.db.selectFrom('sessions').select('id').where('id', '=', t.id).executeTakeFirst()
				).toBeUndefined();
			expect(
				await ctx.db
					.selectFrom('rate_limits')
					.select('key')
					.where('key', '=', 'login:pair:test:10.0.0.9')
					.executeTakeFirst()
			).toBeUndefined();
			clock.advance(181 * 24 * 3_600_000);
			expect((await cleanupSignInData(ctx.db)).devices).toBe(1);
		});
	});

	describe('changing the password', () => {
		it('refuses without the right current password, and locks the check after 5 wrong ones', async () => {
			const u = await person();
			const s = await signIn(u.email);
			expect(await changePassword(ctx.db, u, s.id, 'not my password at all', NEW_PASSWORD)).toEqual({
				ok: false,
				reason: 'wrong_password'
			});
			for (let i = 0; i < 4; i++) await changePassword(ctx.db, u, s.id, `wrong current password ${i}`, NEW_PASSWORD);
			expect(await changePassword(ctx.db, u, s.id, TEST_PASSWORD, NEW_PASSWORD)).toMatchObject({
				ok: false,
				reason: 'rate_limited'
			});
			expect((await login(ctx.db, { email: u.email, password: TEST_PASSWORD, ip: '10.0.0.2' })).ok).toBe(true);
		});

		it('refuses a weak new password or the same one', async () => {
			const u = await person();
			const s = await signIn(u.email);
			expect(await changePassword(ctx.db, u, s.id, TEST_PASSWORD, 'short one')).toMatchObject({
				ok: false,
				reason: 'weak_password',
				problem: 'too_short'
			});
			expect(await changePassword(ctx.db, u, s.id, TEST_PASSWORD, TEST_PASSWORD)).toEqual({
				ok: false,
				reason: 'same_password'
			});
		});

		it('changes it, keeps this session, ends the others, and is audited', async () => {
			const u = await person();
			const other = await signIn(u.email, '10.0.0.3');
			const here = await signIn(u.email);
			expect(await changePassword(ctx.db, u, here.id, TEST_PASSWORD, NEW_PASSWORD, '10.0.0.1')).toEqual({
				ok: true,
				endedSessions: 1
			});
			expect(await validateSessionToken(ctx.db, other.token)).toBeNull();
			expect(await validateSessionToken(ctx.db, here.token)).not.toBeNull();
			expect((await login(ctx.db, { email: u.email, password: TEST_PASSWORD, ip: '10.0.0.4' })).ok).toBe(false);
			expect((await login(ctx.db, { email: u.email, password: NEW_PASSWORD, ip: '10.0.0.4' })).ok).toBe(true);
			const audit = await ctx.db
				.selectFrom('audit_log')
				.select(['action', 'details_json'])
				.where('action', '=', 'auth.password.change')
				.where('outcome', '=', 'success')
				.execute();
			expect(audit.map((a) => JSON.parse(a.details_json!))).toEqual([{ endedSessions: 1 }]);
		});
	});
});
