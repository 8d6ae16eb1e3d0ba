// A forgotten password: a one-time code from program staff, typed with the date of birth. Who may
// not issue one first; then the code's rules; then what a reset does to sessions and sign-in limits.
import { expect, it } from 'vitest';
import { login } from '../../src/lib/server/auth/login';
import { issueResetCode, resetPassword, setPasswordByOperator } from '../../src/lib/server/auth/password-reset';
import { validateSessionToken } from '../../src/lib/server/auth/session';
import { clock } from '../../src/lib/server/clock';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD
} from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const NEW_PASSWORD = 'a brand new sentence to remember';

forEachDb('password reset', (ctx) => {
	async function world() {
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const other = await makeProgram(ctx.db);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: other.programId });
		const him = await makeParticipant(ctx.db, clerk, p.courtId);
		const someoneElse = await makeParticipant(ctx.db, clerk, p.courtId);
		return { ...p, clerk, facilitator, outsider, him, someoneElse };
	}
	let n = 0;
	const ip = () => `10.77.${Math.floor(n / 250)}.${n++ % 250}`;

	it('is issued only by staff of his program: not by him, court staff or another program', async () => {
		const w = await world();
		for (const who of [w.him.user, w.someoneElse.user, w.clerk, w.outsider])
			expect(await issueResetCode(ctx.db, who, w.him.enrollmentId)).toEqual({ ok: false, reason: 'not_found' });
		expect(await ctx.db.selectFrom('password_resets').selectAll().execute()).toEqual([]);
	});

	it('needs the right code with his date of birth, works once, and ends in 72 hours', async () => {
		const w = await world();
		const issued = await issueResetCode(ctx.db, w.facilitator, w.him.enrollmentId, '10.0.0.1');
		if (!issued.ok) throw new Error(issued.reason);
		const stored = await ctx.db.selectFrom('password_resets').select('code_hash').executeTakeFirstOrThrow();
		expect(stored.code_hash).not.toContain(issued.code.replace(/-/g, ''));
		expect(
			await resetPassword(ctx.db, { code: issued.code, dateOfBirth: '1999-09-09', password: NEW_PASSWORD, ip: ip() })
		).toEqual({ ok: false, reason: 'invalid' });
		expect(
			await resetPassword(ctx.db, {
				code: 'AAAA-BBBB-CCCC',
				dateOfBirth: w.him.dateOfBirth,
				password: NEW_PASSWORD,
				ip: ip()
			})
		).toEqual({ ok: false, reason: 'invalid' });
		expect(
			await resetPassword(ctx.db, { code: issued.code, dateOfBirth: w.him.dateOfBirth, password: 'short', ip: ip() })
		).toMatchObject({ ok: false, reason: 'weak_password' });
		clock.set(new Date(Date.now() + 73 * 3_600_000));
		expect(
			await resetPassword(ctx.db, {
				code: issued.code,
				dateOfBirth: w.him.dateOfBirth,
				password: NEW_PASSWORD,
				ip: ip()
			})
		).toEqual({ ok: false, reason: 'expired' });
		clock.set(null);
		// Typed in lower case with spaces: the code is forgiving about how it is typed.
		const typed = issued.code.toLowerCase().replace(/-/g, ' ');
		expect(
			await resetPassword(ctx.db, { code: typed, dateOfBirth: w.him.dateOfBirth, password: NEW_PASSWORD, ip: ip() })
		).toMatchObject({ ok: true });
		expect(
			await resetPassword(ctx.db, {
				code: issued.code,
				dateOfBirth: w.him.dateOfBirth,
				password: NEW_PASSWORD,
				ip: ip()
			})
		).toEqual({ ok: false, reason: 'invalid' });
	});

	it('replaces an earlier code, ends his other sessions, and the old password stops working', async () => {
		const w = await world();
		const before = await login(ctx.db, { email: w.him.user.email, password: TEST_PASSWORD, ip: ip() });
		if (!before.ok) throw new Error('login');
		const first = await issueResetCode(ctx.db, w.facilitator, w.him.enrollmentId);
		const second = await issueResetCode(ctx.db, w.facilitator, w.him.enrollmentId);
		if (!first.ok || !second.ok) throw new Error('issue');
		expect(
			await resetPassword(ctx.db, {
				code: first.code,
				dateOfBirth: w.him.dateOfBirth,
				password: NEW_PASSWORD,
				ip: ip()
			})
		).toEqual({ ok: false, reason: 'invalid' });
		const r = await resetPassword(ctx.db, {
			code: second.code,
			dateOfBirth: w.him.dateOfBirth,
			password: NEW_PASSWORD,
			ip: ip()
		});
		if (!r.ok) throw new Error(r.reason);
		expect(await validateSessionToken(ctx.db, before.token)).toBeNull();
		expect(await validateSessionToken(ctx.db, r.token)).not.toBeNull();
		expect((await login(ctx.db, { email: w.him.user.email, password: TEST_PASSWORD, ip: ip() })).ok).toBe(false);
		expect((await login(ctx.db, { email: w.him.user.email, password: NEW_PASSWORD, ip: ip() })).ok).toBe(true);
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'outcome'])
			.where('action', 'in', ['auth.reset.issue', 'auth.reset'])
			.execute();
		expect(audits.filter((a) => a.action === 'auth.reset.issue')).toHaveLength(2);
		expect(audits.filter((a) => a.action === 'auth.reset' && a.outcome === 'success')).toHaveLength(1);
	});

	it('lets only one of two parallel submits of a code through', async () => {
		const w = await world();
		const issued = await issueResetCode(ctx.db, w.facilitator, w.him.enrollmentId);
		if (!issued.ok) throw new Error(issued.reason);
		const both = await Promise.all(
			[0, 1].map(() =>
				resetPassword(ctx.db, { code: issued.code, dateOfBirth: w.him.dateOfBirth, password: NEW_PASSWORD, ip: ip() })
			)
		);
		expect(both.filter((r) => r.ok)).toHaveLength(1);
	});

	it('limits guessing from one address', async () => {
		await world();
		const from = '10.99.99.99';
		let last;
		for (let i = 0; i < 12; i++)
			last = await resetPassword(ctx.db, {
				code: `ZZZZ-ZZZZ-ZZ${String(i).padStart(2, '2')}`,
				dateOfBirth: '1980-01-01',
				password: NEW_PASSWORD,
				ip: from
			});
		expect(last).toMatchObject({ ok: false, reason: 'rate_limited' });
	});

	it('lets an operator set a staff password, refusing a weak one, and ends the sessions', async () => {
		const w = await world();
		const s = await login(ctx.db, { email: w.facilitator.email, password: TEST_PASSWORD, ip: ip() });
		if (!s.ok) throw new Error('login');
		expect(await setPasswordByOperator(ctx.db, w.facilitator.email, 'too short')).toMatchObject({
			ok: false,
			reason: 'weak_password'
		});
		expect(await setPasswordByOperator(ctx.db, 'nobody@nowhere.test', NEW_PASSWORD)).toEqual({
			ok: false,
			reason: 'not_found'
		});
		expect(await setPasswordByOperator(ctx.db, w.facilitator.email, NEW_PASSWORD)).toEqual({ ok: true });
		expect(await validateSessionToken(ctx.db, s.token)).toBeNull();
		expect((await login(ctx.db, { email: w.facilitator.email, password: NEW_PASSWORD, ip: ip() })).ok).toBe(true);
	});
});
