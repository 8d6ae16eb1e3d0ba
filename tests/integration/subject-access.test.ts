// A participant's access to the data kept about him (Minn. Stat. § 13.04 subd. 3). Who may not first:
// staff and other participants get nothing through it; then what he sees, and that a download is logged.
import { expect, it } from 'vitest';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import { addCaseNote } from '../../src/lib/server/facilitation/case-file.service';
import { purgeCandidates, purgeEnrollment } from '../../src/lib/server/privacy/retention';
import { logRecordExport, ownRecord } from '../../src/lib/server/privacy/subject-access';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

forEachDb('participant record access', (ctx) => {
	async function world() {
		const p = await makeProgram(ctx.db, { retentionDays: 30 });
		await makeCurriculum(ctx.db, p.slug, 2);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const him = await makeParticipant(ctx.db, clerk, p.courtId);
		const other = await makeParticipant(ctx.db, clerk, p.courtId);
		await completeModules(ctx.db, him.user, facilitator, 1);
		await addCaseNote(ctx.db, facilitator, him.enrollmentId, 'Called about transport; staff only.');
		return { ...p, clerk, facilitator, admin, him, other };
	}

	it('gives staff nothing through the participant’s page', async () => {
		const w = await world();
		for (const staff of [w.clerk, w.facilitator, w.admin]) expect(await ownRecord(ctx.db, staff)).toBeUndefined();
	});

	it('shows him his own referral, progress, scores, words and grades, and only his', async () => {
		const w = await world();
		const r = (await ownRecord(ctx.db, w.him.user))!;
		expect(r.referral).toMatchObject({
			legalName: w.him.legalName,
			dateOfBirth: w.him.dateOfBirth,
			caseNumber: w.him.caseNumber.toUpperCase(),
			status: 'active'
		});
		// The number the program gave him at referral (it is printed on his certificate) is his data too.
		expect(r.referral.registrationNumber).toMatch(/-P-\d{6}$/);
		expect(r.account.email).toBe(w.him.user.email);
		expect(r.notice.version).toBeTruthy();
		expect(r.modules.length).toBeGreaterThanOrEqual(1);
		expect(r.quizAttempts.some((a) => a.passed)).toBe(true);
		expect(r.reflections.length).toBeGreaterThan(0);
		expect(r.reflections[0].text.length).toBeGreaterThan(10);
		expect(r.reflections[0].grade?.outcome).toBe('satisfactory');
		// Counted, not shown: the program reviews staff notes before releasing them.
		expect(r.staffCaseNotes).toBe(1);
		expect(JSON.stringify(r)).not.toContain('transport');
		expect(JSON.stringify(r)).not.toContain(w.other.legalName);
		const theirs = (await ownRecord(ctx.db, w.other.user))!;
		expect(theirs.referral.legalName).toBe(w.other.legalName);
		expect(theirs.reflections).toEqual([]);
	});

	it('logs each download, and shows nothing once his data has been removed', async () => {
		const w = await world();
		await logRecordExport(ctx.db, w.him.user, '10.2.2.2');
		const rows = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'action'])
			.where('action', '=', 'participant.record.export')
			.execute();
		expect(rows).toEqual([{ actor_id: w.him.user.id, action: 'participant.record.export' }]);
		const [due] = (await purgeCandidates(ctx.db, new Date('2100-01-01'))).filter(
			(c) => c.enrollmentId === w.him.enrollmentId
		);
		expect((await purgeEnrollment(ctx.db, due)).purged).toBe(true);
		expect(await ownRecord(ctx.db, w.him.user)).toBeUndefined();
	});
});
