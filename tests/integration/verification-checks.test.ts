// "Who checked this certificate": admins read the verification log of their programs (filtered by
// serial, paged), court staff only their own courts' certificates; another court's certificate is
// not found; every read is audited; a verifier who is not signed in is "anonymous" and nothing more.
import { expect, it } from 'vitest';
import { hashVerificationCode } from '../../src/lib/server/certificates/issue';
import { reissueCertificate } from '../../src/lib/server/certificates/registry.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import {
	certificateForCourt,
	checksForAdmin,
	PAGE_SIZE,
	verificationLogForAdmin
} from '../../src/lib/server/verification/checks.service';
import { verifyByCode, verifyUpload } from '../../src/lib/server/verification/verification.service';
import { certify, forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

forEachDb('who checked a certificate', (ctx) => {
	const CODE = 'abcd'.repeat(6) + 'ef';
	async function world() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const courtB = await makeCourt(ctx.db, p.programId);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const clerkB = await makeStaff(ctx.db, ['court'], { courtId: courtB });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const other = await makeProgram(ctx.db);
		const otherAdmin = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const so = await certify(ctx.db, pat, facilitator);
		// A known code, so the test can verify as a holder would.
		await ctx.db
			.updateTable('certificates')
			.set({ code_hash: hashVerificationCode(CODE) })
			.where('id', '=', so.certificateId)
			.execute();
		return {
			...p,
			clerk,
			clerkB,
			facilitator,
			admin,
			otherAdmin,
			pat,
			certificateId: so.certificateId,
			serial: so.serial
		};
	}
	const file = async (id: string) =>
		new Uint8Array(
			(
				await ctx.db
					.selectFrom('certificate_files')
					.select('pdf')
					.where('certificate_id', '=', id)
					.executeTakeFirstOrThrow()
			).pdf
		);

	it('answers not found to court staff of another court, a facilitator, and an admin of another program', async () => {
		const w = await world();
		for (const who of [w.clerkB, w.facilitator, w.otherAdmin, w.pat.user]) {
			expect(await certificateForCourt(ctx.db, who, w.certificateId)).toBeNull();
			expect(await checksForAdmin(ctx.db, who, w.certificateId)).toBeNull();
		}
		expect(await verificationLogForAdmin(ctx.db, w.clerk, {})).toEqual({ ok: false, reason: 'not_found' });
		expect(await certificateForCourt(ctx.db, w.clerk, 'no-such-certificate')).toBeNull();
		// Nothing was shown, so nothing was audited as a view.
		expect(
			await ctx.db
				.selectFrom('audit_log')
				.select('action')
				.where('action', 'in', ['certificate.view', 'certificate.checks.view'])
				.execute()
		).toEqual([]);
	});

	it("shows the court's staff who checked it, when, how and with what outcome, and audits the view", async () => {
		const w = await world();
		await verifyByCode(ctx.db, w.serial, CODE, { method: 'link', userId: null, ip: '203.0.113.9' });
		await verifyByCode(ctx.db, w.serial, CODE, { method: 'typed', userId: w.clerk.id, ip: '10.1.1.1' });
		await verifyUpload(ctx.db, await file(w.certificateId), { method: 'upload', userId: null, ip: '203.0.113.10' });
		const altered = Buffer.from(await file(w.certificateId));
		altered[altered.length - 20] ^= 1;
		await verifyUpload(ctx.db, new Uint8Array(altered), { method: 'api', userId: w.admin.id, ip: '10.1.1.2' });

		const view = await certificateForCourt(ctx.db, w.clerk, w.certificateId, '10.5.5.5');
		expect(view).not.toBeNull();
		expect(view!.checks.map((c) => [c.method, c.outcome, c.who, c.whoRoles])).toEqual([
			['api', 'altered', 'Staff Member', 'admin'],
			['upload', 'valid', null, null],
			['typed', 'valid', 'Staff Member', 'court staff'],
			['link', 'valid', null, null]
		]);
		// No address of anyone, anonymous or not, reaches the page.
		expect(JSON.stringify(view)).not.toMatch(/203\.0\.113|10\.1\.1/);
		const a = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'action', 'target_id', 'details_json', 'ip'])
			.where('action', '=', 'certificate.view')
			.executeTakeFirstOrThrow();
		expect(a).toMatchObject({ actor_id: w.clerk.id, target_id: w.certificateId, ip: '10.5.5.5' });
		expect(JSON.parse(a.details_json)).toMatchObject({ as: 'court', enrollment: w.pat.enrollmentId });

		const adminChecks = await checksForAdmin(ctx.db, w.admin, w.certificateId, '10.6.6.6');
		expect(adminChecks).toHaveLength(4);
		expect(
			await ctx.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'certificate.checks.view').execute()
		).toEqual([{ actor_id: w.admin.id }]);
	});

	it('shows court staff the corrected values, which verification never shows', async () => {
		const w = await world();
		const r = await reissueCertificate(
			ctx.db,
			w.admin,
			w.certificateId,
			{
				legalName: 'Patrick Tester',
				dateOfBirth: w.pat.dateOfBirth,
				caseNumber: w.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled on the referral'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		const old = await certificateForCourt(ctx.db, w.clerk, w.certificateId);
		expect(old!.history.current).toEqual({ serial: r.serial, status: 'valid', revokedAt: null });
		expect(old!.corrections).toEqual([
			{
				serial: r.serial,
				at: expect.any(String),
				reason: 'Name misspelled on the referral',
				changes: [{ field: 'legal_name', old: w.pat.legalName, new: 'Patrick Tester' }]
			}
		]);
		expect(await certificateForCourt(ctx.db, w.clerkB, r.certificateId)).toBeNull();
	});

	it("gives an admin his programs' log, newest first, filtered by serial and paged, and not another program's", async () => {
		const w = await world();
		const o = await world(); // a second program's certificate, checked too
		for (let i = 0; i < PAGE_SIZE + 3; i++)
			await verifyByCode(ctx.db, w.serial, CODE, { method: 'api', userId: null, ip: `10.2.0.${i % 250}` });
		await verifyByCode(ctx.db, o.serial, CODE, { method: 'api', userId: null, ip: '10.3.0.1' });
		await verifyByCode(ctx.db, 'ZZ-2026-999999', 'x'.repeat(26), { method: 'typed', userId: null, ip: '10.3.0.2' });

		const first = await verificationLogForAdmin(ctx.db, w.admin, { page: 1 }, '10.7.7.7');
		if (!first.ok) throw new Error('refused');
		expect(first.checks).toHaveLength(PAGE_SIZE);
		expect(first.hasMore).toBe(true);
		expect(first.checks[0]).toMatchObject({ serial: 'ZZ-2026-999999', outcome: 'unknown', who: null });
		const second = await verificationLogForAdmin(ctx.db, w.admin, { page: 2 });
		if (!second.ok) throw new Error('refused');
		expect(second.checks).toHaveLength(4);
		expect(second.hasMore).toBe(false);
		const all = [...first.checks, ...second.checks];
		expect(all.some((c) => c.serial === o.serial)).toBe(false);
		expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((a, b) => b - a));

		const filtered = await verificationLogForAdmin(ctx.db, w.admin, { serial: ` ${w.serial.toLowerCase()} ` });
		if (!filtered.ok) throw new Error('refused');
		expect(filtered.checks).toHaveLength(PAGE_SIZE);
		expect(filtered.checks.every((c) => c.serial === w.serial)).toBe(true);
		const theirs = await verificationLogForAdmin(ctx.db, w.admin, { serial: o.serial });
		expect(theirs).toMatchObject({ ok: true, checks: [] });

		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'details_json'])
			.where('action', '=', 'verification_log.view')
			.orderBy('seq')
			.execute();
		expect(audits).toHaveLength(4);
		expect(JSON.parse(audits[0].details_json)).toEqual({ serial: null, page: 1, rows: PAGE_SIZE });
	});
});
