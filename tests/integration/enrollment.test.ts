import { describe, expect, it } from 'vitest';
import { NOTICE_VERSION } from '../../src/lib/domain/notice';
import { validateSessionToken } from '../../src/lib/server/auth/session';
import { clock, today } from '../../src/lib/server/clock';
import { activate, type ActivationInput } from '../../src/lib/server/enrollment/activation.service';
import { createReferral, type ReferralInput } from '../../src/lib/server/enrollment/referral.service';
import { findIdentity } from '../../src/lib/server/users/users.queries';
import { makeCurriculum, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { count, forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-04-01T12:00:00.000Z');
const GOOD_PASSWORD = 'violet kettles hum beneath orchards';

forEachDb('referral and activation', (ctx) => {
	async function setup() {
		clock.set(T0);
		const p = await makeProgram(ctx.db);
		const versionId = await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		return { ...p, versionId, clerk };
	}

	function referral(courtId: string, over: Partial<ReferralInput> = {}): ReferralInput {
		return {
			legalName: 'Dale Example Person',
			dateOfBirth: '1979-06-15',
			courtId,
			caseNumber: '62-CR-26-4321',
			referralDate: today(),
			dueDate: '2026-09-01',
			...over
		};
	}

	async function referred() {
		const s = await setup();
		const r = await createReferral(ctx.db, s.clerk, referral(s.courtId));
		if (!r.ok) throw new Error(r.reason);
		const input: ActivationInput = {
			code: r.code,
			dateOfBirth: '1979-06-15',
			caseNumber: '62-cr-26-4321 ',
			email: 'dale@participant.test',
			password: GOOD_PASSWORD,
			noticeAcknowledged: true,
			ip: '10.7.0.1'
		};
		return { ...s, enrollmentId: r.enrollmentId, code: r.code, input };
	}

	describe('who may not create a referral', () => {
		it('refuses court staff of another court', async () => {
			const s = await setup();
			const otherCourt = await makeCourt(ctx.db, s.programId);
			const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: otherCourt });
			expect(await createReferral(ctx.db, otherClerk, referral(s.courtId))).toEqual({
				ok: false,
				reason: 'court_not_found'
			});
			expect(await count(ctx.db, 'enrollments')).toBe(0);
		});

		it('refuses a facilitator without the court role', async () => {
			const s = await setup();
			const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: s.programId });
			expect(await createReferral(ctx.db, facilitator, referral(s.courtId))).toEqual({
				ok: false,
				reason: 'court_not_found'
			});
		});

		it('refuses a participant', async () => {
			const s = await setup();
			const r = await createReferral(ctx.db, s.clerk, referral(s.courtId));
			const act =
				r.ok &&
				(await activate(ctx.db, {
					code: r.code,
					dateOfBirth: '1979-06-15',
					caseNumber: '62-CR-26-4321',
					email: 'p@participant.test',
					password: GOOD_PASSWORD,
					noticeAcknowledged: true,
					ip: '10.7.0.9'
				}));
			if (!act || !act.ok) throw new Error('activation failed');
			const participant = (await findIdentity(ctx.db, act.userId))!;
			expect(await createReferral(ctx.db, participant, referral(s.courtId, { caseNumber: '62-CR-26-9' }))).toEqual({
				ok: false,
				reason: 'court_not_found'
			});
		});

		it('refuses a duplicate case number in the same court and writes nothing', async () => {
			const s = await setup();
			expect((await createReferral(ctx.db, s.clerk, referral(s.courtId))).ok).toBe(true);
			const before = { enrollments: await count(ctx.db, 'enrollments'), audit: await count(ctx.db, 'audit_log') };
			expect(
				await createReferral(
					ctx.db,
					s.clerk,
					referral(s.courtId, { caseNumber: ' 62-cr-26-4321', legalName: 'Someone Else' })
				)
			).toEqual({ ok: false, reason: 'duplicate_case' });
			expect({ enrollments: await count(ctx.db, 'enrollments'), audit: await count(ctx.db, 'audit_log') }).toEqual(
				before
			);
		});

		it('refuses a due date before the referral date', async () => {
			const s = await setup();
			expect(await createReferral(ctx.db, s.clerk, referral(s.courtId, { dueDate: '2020-01-01' }))).toEqual({
				ok: false,
				reason: 'due_before_referral'
			});
		});

		it('creates a referral with a one-time code that is stored only as a hash', async () => {
			const s = await setup();
			const r = await createReferral(ctx.db, s.clerk, referral(s.courtId));
			expect(r).toMatchObject({ ok: true, code: expect.stringMatching(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/) });
			const row = await ctx.db.selectFrom('enrollments').selectAll().executeTakeFirstOrThrow();
			expect(row).toMatchObject({ status: 'referred', case_number: '62-CR-26-4321', user_id: null });
			expect(JSON.stringify(row)).not.toContain(r.ok ? r.code : '-');
		});
	});

	describe('activation refusals', () => {
		it('refuses a wrong code', async () => {
			const s = await referred();
			expect(await activate(ctx.db, { ...s.input, code: 'AAAA-BBBB-CCCC' })).toEqual({
				ok: false,
				reason: 'invalid_code'
			});
		});

		it('refuses a wrong date of birth, and a wrong case number', async () => {
			const s = await referred();
			expect(await activate(ctx.db, { ...s.input, dateOfBirth: '1979-06-16' })).toEqual({
				ok: false,
				reason: 'details_mismatch'
			});
			expect(await activate(ctx.db, { ...s.input, caseNumber: '62-CR-26-4322' })).toEqual({
				ok: false,
				reason: 'details_mismatch'
			});
			expect(await count(ctx.db, 'users')).toBe(1); // the clerk only
		});

		it('refuses a code that was already used', async () => {
			const s = await referred();
			expect((await activate(ctx.db, s.input)).ok).toBe(true);
			expect(await activate(ctx.db, { ...s.input, email: 'someone-else@participant.test' })).toEqual({
				ok: false,
				reason: 'code_used'
			});
		});

		it('refuses an expired code', async () => {
			const s = await referred();
			clock.advance(60 * 86_400_000); // enrollmentCodeDays defaults to 60
			expect(await activate(ctx.db, s.input)).toEqual({ ok: false, reason: 'code_expired' });
			clock.set(new Date(T0.getTime() + 59 * 86_400_000));
			expect((await activate(ctx.db, s.input)).ok).toBe(true);
		});

		it('refuses without the data practices notice acknowledged, and writes nothing', async () => {
			const s = await referred();
			const before = {
				users: await count(ctx.db, 'users'),
				audit: await count(ctx.db, 'audit_log'),
				sessions: await count(ctx.db, 'sessions')
			};
			expect(await activate(ctx.db, { ...s.input, noticeAcknowledged: false })).toEqual({
				ok: false,
				reason: 'notice_required'
			});
			expect({
				users: await count(ctx.db, 'users'),
				audit: await count(ctx.db, 'audit_log'),
				sessions: await count(ctx.db, 'sessions')
			}).toEqual(before);
			const row = await ctx.db
				.selectFrom('enrollments')
				.selectAll()
				.where('id', '=', s.enrollmentId)
				.executeTakeFirstOrThrow();
			expect(row).toMatchObject({
				status: 'referred',
				code_used_at: null,
				user_id: null,
				notice_version: null,
				email: null
			});
		});

		it('refuses a weak password', async () => {
			const s = await referred();
			expect(await activate(ctx.db, { ...s.input, password: 'short one' })).toMatchObject({
				ok: false,
				reason: 'weak_password',
				problem: 'too_short'
			});
			expect(await activate(ctx.db, { ...s.input, password: 'dale example 62-cr-26-4321' })).toMatchObject({
				ok: false,
				reason: 'weak_password',
				problem: 'common'
			});
			expect(await count(ctx.db, 'users')).toBe(1);
		});

		it('refuses an e-mail that already has an account, and leaves the code usable', async () => {
			const s = await referred();
			expect(await activate(ctx.db, { ...s.input, email: s.clerk.email.toUpperCase() })).toEqual({
				ok: false,
				reason: 'email_taken'
			});
			const row = await ctx.db
				.selectFrom('enrollments')
				.select(['status', 'code_used_at', 'user_id'])
				.where('id', '=', s.enrollmentId)
				.executeTakeFirstOrThrow();
			expect(row).toEqual({ status: 'referred', code_used_at: null, user_id: null });
			expect((await activate(ctx.db, s.input)).ok).toBe(true);
		});

		it('counts every "address cannot be used" answer, and gives at most 3 a day per referral, from any address', async () => {
			const s = await referred();
			const others = await Promise.all(
				[1, 2, 3, 4].map((i) => makeStaff(ctx.db, ['court'], { courtId: s.courtId }, `someone-${i}@court.test`))
			);
			for (const [i, o] of others.slice(0, 3).entries()) {
				expect(await activate(ctx.db, { ...s.input, email: o.email, ip: `10.8.0.${i}` })).toEqual({
					ok: false,
					reason: 'email_taken'
				});
			}
			// A fourth probe of who has an account is refused before any address is looked at.
			expect(await activate(ctx.db, { ...s.input, email: others[3].email, ip: '10.8.0.9' })).toMatchObject({
				ok: false,
				reason: 'rate_limited'
			});
			const failures = await ctx.db
				.selectFrom('audit_log')
				.select('details_json')
				.where('action', '=', 'enrollment.activate')
				.where('outcome', '=', 'failure')
				.execute();
			expect(failures.filter((f) => JSON.parse(f.details_json!).reason === 'email_taken')).toHaveLength(3);
			const perAddress = await ctx.db
				.selectFrom('rate_limits')
				.select('failures')
				.where('key', '=', 'enroll:ip:10.8.0.0')
				.executeTakeFirstOrThrow();
			expect(Number(perAddress.failures)).toBe(1);
		});

		it('rate-limits an address after 10 wrong codes, even for the right code', async () => {
			const s = await referred();
			for (let i = 0; i < 10; i++)
				expect(await activate(ctx.db, { ...s.input, code: `ZZZZ-ZZZZ-ZZ${i}A` })).toEqual({
					ok: false,
					reason: 'invalid_code'
				});
			expect(await activate(ctx.db, s.input)).toMatchObject({ ok: false, reason: 'rate_limited' });
			expect(await activate(ctx.db, { ...s.input, ip: '10.7.0.2' })).toMatchObject({ ok: true });
		});

		it('creates exactly one account from two simultaneous submissions of the same code', async () => {
			const s = await referred();
			const results = await Promise.all([
				activate(ctx.db, s.input),
				activate(ctx.db, { ...s.input, email: 'dale2@participant.test' })
			]);
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'code_used' });
			const participants = await ctx.db
				.selectFrom('user_roles')
				.selectAll()
				.where('role', '=', 'participant')
				.execute();
			expect(participants).toHaveLength(1);
			expect(await count(ctx.db, 'users')).toBe(2);
		});
	});

	describe('activation', () => {
		it('creates the participant, records the notice and curriculum version, and starts a session', async () => {
			const s = await referred();
			const r = await activate(ctx.db, s.input);
			if (!r.ok) throw new Error(r.reason);
			const e = await ctx.db
				.selectFrom('enrollments')
				.selectAll()
				.where('id', '=', s.enrollmentId)
				.executeTakeFirstOrThrow();
			expect(e).toMatchObject({
				status: 'active',
				user_id: r.userId,
				notice_version: NOTICE_VERSION,
				notice_acknowledged_at: T0.toISOString(),
				activated_at: T0.toISOString(),
				code_used_at: T0.toISOString(),
				curriculum_version_id: s.versionId,
				email: 'dale@participant.test'
			});
			const roles = await ctx.db.selectFrom('user_roles').select('role').where('user_id', '=', r.userId).execute();
			expect(roles.map((x) => x.role)).toEqual(['participant']);
			expect(await validateSessionToken(ctx.db, r.token)).toMatchObject({ userId: r.userId });
			const entry = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('action', '=', 'enrollment.activate')
				.executeTakeFirstOrThrow();
			expect(entry).toMatchObject({ actor_id: r.userId, target_id: s.enrollmentId, outcome: 'success' });
			expect(entry.details_json).not.toContain('Dale');
		});

		it('refuses activation when the program has no published curriculum', async () => {
			clock.set(T0);
			const p = await makeProgram(ctx.db);
			const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
			const r = await createReferral(ctx.db, clerk, referral(p.courtId));
			if (!r.ok) throw new Error(r.reason);
			expect(
				await activate(ctx.db, {
					code: r.code,
					dateOfBirth: '1979-06-15',
					caseNumber: '62-CR-26-4321',
					email: 'x@participant.test',
					password: GOOD_PASSWORD,
					noticeAcknowledged: true,
					ip: '10.7.1.1'
				})
			).toEqual({ ok: false, reason: 'no_curriculum' });
		});
	});
});
