// Correction requests (Minn. Stat. § 13.04 subd. 4). Who may not first: staff cannot file one, and
// nobody but an admin of his program reads or decides it; then the referral correction and the answer.
import { expect, it } from 'vitest';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import { clock } from '../../src/lib/server/clock';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import {
	MAX_OPEN,
	correctReferral,
	correctionForAdmin,
	correctionQueue,
	decideCorrection,
	myCorrectionRequests,
	requestCorrection
} from '../../src/lib/server/privacy/corrections.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

forEachDb('correction requests', (ctx) => {
	async function world() {
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const other = await makeProgram(ctx.db);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const admin2 = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const otherAdmin = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		const him = await makeParticipant(ctx.db, clerk, p.courtId);
		const r = await requestCorrection(ctx.db, him.user, 'My date of birth is 1980-01-02, not 1980-01-01.', '10.3.3.3');
		if (!r.ok) throw new Error(r.reason);
		return { ...p, clerk, facilitator, admin, admin2, otherAdmin, him, requestId: r.id };
	}
	/** The referral as stored, with a new date of birth. */
	const fix = async (him: { enrollmentId: string }, dateOfBirth = '1980-01-02') => {
		const e = await ctx.db
			.selectFrom('enrollments')
			.selectAll()
			.where('id', '=', him.enrollmentId)
			.executeTakeFirstOrThrow();
		return {
			legalName: e.legal_name,
			dateOfBirth,
			caseNumber: e.case_number,
			offence: e.offence,
			email: e.email,
			phone: e.phone
		};
	};

	it('is filed only by the participant himself, and read or decided only by an admin of his program', async () => {
		const w = await world();
		for (const staff of [w.clerk, w.facilitator, w.admin])
			expect(await requestCorrection(ctx.db, staff, 'Please change something about me.')).toEqual({
				ok: false,
				reason: 'not_found'
			});
		for (const who of [w.clerk, w.facilitator, w.otherAdmin, w.him.user]) {
			expect(await correctionForAdmin(ctx.db, who, w.requestId)).toBeUndefined();
			expect(await decideCorrection(ctx.db, who, w.requestId, 'declined', 'Not yours to decide.')).toEqual({
				ok: false,
				reason: 'not_found'
			});
			expect(await correctReferral(ctx.db, who, w.him.enrollmentId, await fix(w.him))).toEqual({
				ok: false,
				reason: 'not_found'
			});
		}
		expect(await correctionQueue(ctx.db, w.facilitator)).toBeUndefined();
		expect((await correctionQueue(ctx.db, w.otherAdmin))!.open).toEqual([]);
		expect(await requestCorrection(ctx.db, w.him.user, 'too short')).toEqual({ ok: false, reason: 'too_short' });
	});

	it('limits how many requests may wait at once', async () => {
		const w = await world();
		for (let i = 1; i < MAX_OPEN; i++)
			expect((await requestCorrection(ctx.db, w.him.user, `Another thing to correct, number ${i}.`)).ok).toBe(true);
		expect(await requestCorrection(ctx.db, w.him.user, 'One request too many for now.')).toEqual({
			ok: false,
			reason: 'too_many_open'
		});
	});

	it('puts it in the admin’s queue with its 30-day limit, lets him correct the referral and answer once', async () => {
		const w = await world();
		const queue = (await correctionQueue(ctx.db, w.admin, '10.4.4.4'))!;
		expect(queue.open).toEqual([
			expect.objectContaining({ id: w.requestId, legalName: w.him.legalName, overdue: false })
		]);
		clock.set(new Date(Date.now() + 31 * 86_400_000));
		expect((await correctionQueue(ctx.db, w.admin))!.open[0].overdue).toBe(true);
		clock.set(null);

		expect(await correctReferral(ctx.db, w.admin, w.him.enrollmentId, await fix(w.him))).toEqual({
			ok: true,
			changed: ['date_of_birth']
		});
		expect(await correctReferral(ctx.db, w.admin, w.him.enrollmentId, await fix(w.him))).toEqual({
			ok: true,
			changed: []
		});
		const e = await ctx.db
			.selectFrom('enrollments')
			.select('date_of_birth')
			.where('id', '=', w.him.enrollmentId)
			.executeTakeFirstOrThrow();
		expect(e.date_of_birth).toBe('1980-01-02');

		expect(await decideCorrection(ctx.db, w.admin, w.requestId, 'corrected', 'x')).toEqual({
			ok: false,
			reason: 'response_required'
		});
		const both = await Promise.all([
			decideCorrection(ctx.db, w.admin, w.requestId, 'corrected', 'Your date of birth is corrected.'),
			decideCorrection(ctx.db, w.admin2, w.requestId, 'declined', 'We keep the court’s date.')
		]);
		expect(both.filter((r) => r.ok)).toHaveLength(1);
		expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'already_decided' }]);
		const mine = await myCorrectionRequests(ctx.db, w.him.user);
		expect(mine).toHaveLength(1);
		expect(mine[0].decidedAt).not.toBeNull();

		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'details_json'])
			.where('action', 'in', ['correction.request', 'enrollment.correct', 'correction.decide', 'correction.queue.view'])
			.execute();
		expect(audits.map((a) => a.action).sort()).toEqual([
			'correction.decide',
			'correction.queue.view',
			'correction.queue.view',
			'correction.request',
			'enrollment.correct'
		]);
		// Field names only: never the old or new values.
		expect(audits.find((a) => a.action === 'enrollment.correct')!.details_json).toBe(
			JSON.stringify({ fields: 'date_of_birth' })
		);
	});

	it('sends a correction of a certified participant to the certificate registry, so the certificate matches', async () => {
		const w = await world();
		await useTestKeys(ctx.db);
		await completeModules(ctx.db, w.him.user, w.facilitator, Infinity);
		await ctx.db
			.updateTable('enrollments')
			.set({ fee_status: 'waived' })
			.where('id', '=', w.him.enrollmentId)
			.execute();
		expect(await attest(ctx.db, w.him.user, { typedName: w.him.legalName, confirmed: true })).toEqual({ ok: true });
		expect((await signOff(ctx.db, w.facilitator, w.him.enrollmentId, 'http://test.invalid')).ok).toBe(true);
		expect(await correctReferral(ctx.db, w.admin, w.him.enrollmentId, await fix(w.him))).toEqual({
			ok: false,
			reason: 'has_certificate'
		});
		expect((await correctionForAdmin(ctx.db, w.admin, w.requestId))!.certificate).not.toBeNull();
	});
});
