// Retention (the README's "Data and privacy"): after a program's retention period, a participant's
// personal data is removed while the certificate registry keeps what verification needs. Nothing
// before its time, then everything personal from every table, then verification as before.
import { expect, it } from 'vitest';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import { verifyAuditChain } from '../../src/lib/server/audit/audit';
import { login } from '../../src/lib/server/auth/login';
import { certificateFile } from '../../src/lib/server/certificates/download';
import { hashVerificationCode } from '../../src/lib/server/certificates/issue';
import { reissueCertificate } from '../../src/lib/server/certificates/registry.service';
import { clock } from '../../src/lib/server/clock';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { listCourtCertificates } from '../../src/lib/server/court/court-certificates.service';
import { addCaseNote, extendDueDate } from '../../src/lib/server/facilitation/case-file.service';
import { requestCorrection } from '../../src/lib/server/privacy/corrections.service';
import { purgeCandidates, purgeDue, purgeEnrollment } from '../../src/lib/server/privacy/retention';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import type { Db } from '../../src/lib/server/db';
import { certificateJson } from '../../src/lib/server/verification/api';
import { verifyByCode, verifyUpload } from '../../src/lib/server/verification/verification.service';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const DAY = 86_400_000;
const CODE = 'KNOWN-CODE-FOR-THE-TEST-0123456789';

/** Every text value of every table (binary columns left out), to search for what must be gone. */
async function everyText(db: Db): Promise<{ table: string; column: string; value: string }[]> {
	const out: { table: string; column: string; value: string }[] = [];
	for (const t of await db.introspection.getTables()) {
		const rows = (await db
			// eslint-disable-next-line @typescript-eslint/no-explicit-any
			.selectFrom(t.name as any)
			.selectAll()
			.execute()) as Record<string, unknown>[];
		for (const row of rows)
			for (const [column, value] of Object.entries(row))
				if (typeof value === 'string') out.push({ table: t.name, column, value });
	}
	return out;
}

forEachDb('retention purge', (ctx) => {
	async function world() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db, { retentionDays: 365 });
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });

		const done = await makeParticipant(ctx.db, clerk, p.courtId);
		await completeModules(ctx.db, done.user, facilitator, Infinity);
		// Words only this participant's record holds, in every kind of free text it has.
		const secrets = {
			reflection: 'SECRET-REFLECTION-words about my own life',
			feedback: 'SECRET-FEEDBACK-for him',
			note: 'SECRET-NOTE-he mentioned his employer',
			order: 'ORDER-SECRET-2026-17',
			correction: 'SECRET-CORRECTION my middle name is spelled Jon',
			reissue: 'SECRET-REISSUE suffix missing'
		};
		await ctx.db
			.updateTable('reflection_submissions')
			.set({ body: secrets.reflection })
			.where('enrollment_id', '=', done.enrollmentId)
			.execute();
		const sub = await ctx.db
			.selectFrom('reflection_submissions')
			.select('id')
			.where('enrollment_id', '=', done.enrollmentId)
			.executeTakeFirstOrThrow();
		await ctx.db
			.updateTable('reflection_grades')
			.set({ feedback: secrets.feedback })
			.where('submission_id', '=', sub.id)
			.execute();
		expect((await addCaseNote(ctx.db, facilitator, done.enrollmentId, secrets.note)).ok).toBe(true);
		expect((await requestCorrection(ctx.db, done.user, secrets.correction)).ok).toBe(true);
		expect(
			(
				await extendDueDate(ctx.db, facilitator, done.enrollmentId, {
					newDueDate: '2099-06-01',
					orderReference: secrets.order
				})
			).ok
		).toBe(true);
		// The offence date is his too (it reaches the certificate's facts); no other row holds this date.
		await ctx.db
			.updateTable('enrollments')
			.set({ fee_status: 'waived', phone: '651-555-0142', offence_date: '1999-12-31' })
			.where('id', '=', done.enrollmentId)
			.execute();
		expect(await attest(ctx.db, done.user, { typedName: done.legalName, confirmed: true })).toEqual({ ok: true });
		const signed = await signOff(ctx.db, facilitator, done.enrollmentId, 'http://test.invalid');
		if (!signed.ok) throw new Error(signed.reason);
		// Corrected and reissued: the correction keeps the old and new name and case number, and its reason.
		const so = await reissueCertificate(
			ctx.db,
			admin,
			signed.certificateId,
			{
				legalName: `${done.legalName} Jr.`,
				dateOfBirth: done.dateOfBirth,
				caseNumber: `${done.caseNumber}-A`,
				offence: null,
				reason: secrets.reissue
			},
			'http://test.invalid'
		);
		if (!so.ok) throw new Error(so.reason);
		await ctx.db
			.updateTable('certificates')
			.set({ code_hash: hashVerificationCode(CODE) })
			.where('id', '=', so.certificateId)
			.execute();
		const pdf = (await certificateFile(ctx.db, admin, so.certificateId))!.pdf;

		// Still running: due in 2099, so never due in these tests.
		const running = await makeParticipant(ctx.db, clerk, p.courtId);
		// The factory gives everyone one date of birth; his must not be mistaken for the purged one's.
		await ctx.db
			.updateTable('enrollments')
			.set({ date_of_birth: '1991-07-15' })
			.where('id', '=', running.enrollmentId)
			.execute();
		return {
			...p,
			clerk,
			facilitator,
			admin,
			done,
			running,
			secrets,
			serial: so.serial,
			certificateId: so.certificateId,
			pdf
		};
	}

	const later = (days: number) => new Date(clock.now().getTime() + days * DAY);

	it('purges nothing before the retention period has run, and never an enrollment still in progress', async () => {
		const w = await world();
		expect(await purgeCandidates(ctx.db, later(364))).toEqual([]);
		expect(await purgeDue(ctx.db, later(364))).toEqual({ purged: 0, certificates: 0, skipped: 0 });
		const due = await purgeCandidates(ctx.db, later(366));
		expect(due.map((c) => c.enrollmentId)).toEqual([w.done.enrollmentId]);
		expect(due[0].retentionDays).toBe(365);
		// A preview reaches ahead without changing anything.
		expect((await purgeCandidates(ctx.db, clock.now(), 366)).map((c) => c.enrollmentId)).toEqual([w.done.enrollmentId]);
		expect(
			(
				await ctx.db
					.selectFrom('enrollments')
					.select('purged_at')
					.where('id', '=', w.done.enrollmentId)
					.executeTakeFirstOrThrow()
			).purged_at
		).toBeNull();
	});

	it('leaves no trace of his name, date of birth, case number, contact details or words in any table', async () => {
		const w = await world();
		const personal = [
			w.done.legalName,
			w.done.caseNumber,
			w.done.dateOfBirth,
			w.done.user.email,
			'651-555-0142',
			'1999-12-31',
			...Object.values(w.secrets)
		];
		const before = await everyText(ctx.db);
		// Case numbers are stored upper-cased: compare without case.
		const holds = (t: { value: string }, s: string) => t.value.toLowerCase().includes(s.toLowerCase());
		for (const s of personal)
			expect(
				before.some((t) => holds(t, s)),
				`${s} is stored before`
			).toBe(true);
		// The correction holds the name it replaced: the search must reach that table too.
		expect(
			before.some((t) => t.table === 'certificate_corrections' && holds(t, w.done.legalName)),
			'the correction holds the old name'
		).toBe(true);
		// Both certificates state the offence date (version 2 facts).
		expect(
			before.filter(
				(t) => t.table === 'certificates' && t.column === 'facts_json' && holds(t, '"offenceDate":"1999-12-31"')
			)
		).toHaveLength(2);

		expect(await purgeDue(ctx.db, later(366))).toEqual({ purged: 1, certificates: 2, skipped: 0 });

		const after = await everyText(ctx.db);
		const left = after.filter((t) => personal.some((s) => holds(t, s))).map((t) => `${t.table}.${t.column}`);
		expect(left).toEqual([]);
		expect(
			await ctx.db
				.selectFrom('certificate_files')
				.select('certificate_id')
				.where('certificate_id', '=', w.certificateId)
				.execute()
		).toEqual([]);
		// The other participant is untouched.
		expect(after.some((t) => t.value.includes(w.running.legalName))).toBe(true);
	});

	it('keeps the certificate verifiable: by code (without personal data) and by uploading the issued file', async () => {
		const w = await world();
		await purgeDue(ctx.db, later(366));
		const ctxVerify = { method: 'typed' as const, userId: null, ip: '10.9.9.9' };
		const byCode = await verifyByCode(ctx.db, w.serial, CODE, ctxVerify);
		expect(byCode.outcome).toBe('valid');
		if (byCode.outcome === 'rate_limited' || !byCode.certificate) throw new Error('no certificate');
		expect(byCode.certificate.personalDataRemovedAt).not.toBeNull();
		const json = certificateJson(byCode.certificate);
		expect(json).toMatchObject({
			serial: w.serial,
			status: 'valid',
			participantName: null,
			caseNumber: null,
			facts: null
		});
		expect(JSON.stringify(json)).not.toContain(w.done.legalName);

		const byFile = await verifyUpload(ctx.db, w.pdf, { ...ctxVerify, method: 'upload' });
		expect(byFile).toMatchObject({ outcome: 'valid', match: true });
	});

	it('closes his account, keeps him out of staff and court lists, and refuses a reissue', async () => {
		const w = await world();
		await purgeDue(ctx.db, later(366));
		const r = await login(ctx.db, { email: w.done.user.email, password: TEST_PASSWORD, ip: '10.8.8.8' });
		expect(r.ok).toBe(false);
		expect(await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', w.done.user.id).execute()).toEqual(
			[]
		);
		const court = await listCourtCertificates(ctx.db, w.clerk, {}, '10.1.1.1');
		expect(court.ok && court.certificates.map((c) => c.serial)).toEqual([]);
		expect(await certificateFile(ctx.db, w.admin, w.certificateId)).toBeUndefined();
		const reissue = await reissueCertificate(
			ctx.db,
			w.admin,
			w.certificateId,
			{
				legalName: 'Someone Else',
				dateOfBirth: '1970-01-01',
				caseNumber: '62-CR-26-999',
				offence: null,
				reason: 'typo in the name'
			},
			'http://test.invalid'
		);
		expect(reissue).toEqual({ ok: false, reason: 'purged' });
	});

	it('is audited once per enrollment, however many runs race for it, and the audit chain still verifies', async () => {
		const w = await world();
		const [c] = await purgeCandidates(ctx.db, later(366));
		const results = await Promise.all([
			purgeEnrollment(ctx.db, c),
			purgeEnrollment(ctx.db, c),
			purgeEnrollment(ctx.db, c)
		]);
		expect(results.filter((r) => r.purged)).toHaveLength(1);
		expect(await purgeDue(ctx.db, later(400))).toEqual({ purged: 0, certificates: 0, skipped: 0 });
		const entries = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'target_id', 'actor_id', 'details_json'])
			.where('action', '=', 'retention.purge')
			.execute();
		expect(entries).toEqual([expect.objectContaining({ target_id: w.done.enrollmentId, actor_id: null })]);
		expect(JSON.parse(entries[0].details_json!)).toMatchObject({ retentionDays: 365, certificates: 2 });
		expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
	});
});
