// The court's next hearing date on a referral. Who may not first: the participant, a facilitator and
// court staff of another court; then the date's rules, the dashboard's flag, the export and the audit.
import { expect, it } from 'vitest';
import { today } from '../../src/lib/server/clock';
import { hearingSoon, listReferrals, setNextHearing } from '../../src/lib/server/court/court.service';
import { referralsCsv } from '../../src/lib/server/court/export';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

const inDays = (n: number) => new Date(Date.parse(`${today()}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

forEachDb('next hearing date', (ctx) => {
	async function world() {
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const otherCourt = await makeCourt(ctx.db, p.programId);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: otherCourt });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const him = await makeParticipant(ctx.db, clerk, p.courtId);
		return { ...p, clerk, otherClerk, facilitator, admin, him };
	}

	it('is set only by court staff of his court or an admin of the program', async () => {
		const w = await world();
		for (const who of [w.him.user, w.facilitator, w.otherClerk])
			expect(await setNextHearing(ctx.db, who, w.him.enrollmentId, inDays(10))).toEqual({
				ok: false,
				reason: 'not_found'
			});
		expect(await setNextHearing(ctx.db, w.admin, w.him.enrollmentId, inDays(20))).toEqual({ ok: true, changed: true });
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, inDays(10))).toEqual({ ok: true, changed: true });
	});

	it('refuses a date that is not real, before the referral, or years ahead', async () => {
		const w = await world();
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, '2026-02-30')).toEqual({
			ok: false,
			reason: 'invalid_date'
		});
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, 'soon')).toEqual({
			ok: false,
			reason: 'invalid_date'
		});
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, '2001-01-01')).toEqual({
			ok: false,
			reason: 'before_referral'
		});
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, inDays(4 * 366))).toEqual({
			ok: false,
			reason: 'too_far'
		});
	});

	it('flags a hearing within 14 days while the course is not complete, exports it, and audits each change', async () => {
		const w = await world();
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, inDays(30), '10.5.5.5')).toMatchObject({
			ok: true
		});
		expect((await listReferrals(ctx.db, w.clerk))[0]).toMatchObject({
			next_hearing_date: inDays(30),
			hearingSoon: false
		});
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, inDays(7))).toMatchObject({ ok: true });
		expect((await listReferrals(ctx.db, w.clerk))[0]).toMatchObject({
			next_hearing_date: inDays(7),
			hearingSoon: true
		});
		expect(hearingSoon({ next_hearing_date: inDays(7), status: 'completed' })).toBe(false);
		expect(hearingSoon({ next_hearing_date: inDays(-1), status: 'active' })).toBe(false);
		const csv = await referralsCsv(ctx.db, w.clerk, null);
		expect(csv.csv.split('\r\n')[0]).toContain('Next hearing');
		expect(csv.csv).toContain(inDays(7));
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, null)).toEqual({ ok: true, changed: true });
		expect(await setNextHearing(ctx.db, w.clerk, w.him.enrollmentId, null)).toEqual({ ok: true, changed: false });
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select('details_json')
			.where('action', '=', 'referral.hearing')
			.orderBy('seq')
			.execute();
		expect(audits.map((a) => JSON.parse(a.details_json!))).toEqual([
			{ date: inDays(30), was: null },
			{ date: inDays(7), was: inDays(30) },
			{ date: null, was: inDays(7) }
		]);
	});
});
