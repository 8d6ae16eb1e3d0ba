// Races between the writers of the certificate registry: reissue, revocation, sign-off, the referral
// correction and the retention purge. A certificate is rendered and signed in a worker between the
// step that claims it and the transaction that registers it; the seam below runs a rival step at
// exactly that moment (after the real render), so each interleaving is tested on purpose, on both
// databases. The Promise.all cases are the same races left to the scheduler.
import { describe, expect, it, vi } from 'vitest';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import {
	claimReissue,
	reissueCertificate,
	revokeCertificate,
	type Correction
} from '../../src/lib/server/certificates/registry.service';
import { clock, today } from '../../src/lib/server/clock';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { correctReferral } from '../../src/lib/server/privacy/corrections.service';
import { purgeDue } from '../../src/lib/server/privacy/retention';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const seam = vi.hoisted(() => ({ whileRendering: null as null | (() => Promise<unknown>) }));
vi.mock('../../src/lib/server/certificates/worker-pool', async (importOriginal) => {
	const real = await importOriginal<typeof import('../../src/lib/server/certificates/worker-pool')>();
	return {
		...real,
		produceInWorker: async (job: Parameters<typeof real.produceInWorker>[0]) => {
			const out = await real.produceInWorker(job);
			// One rival per test: taken before it runs, so a render inside the rival does not run it again.
			const rival = seam.whileRendering;
			seam.whileRendering = null;
			if (rival) await rival();
			return out;
		}
	};
});

const ORIGIN = 'http://test.invalid';
const FAR_FUTURE = new Date('2300-01-01T00:00:00.000Z');
type Outcome = { ok: boolean; reason?: string } | { thrown: string };
const settle = <T>(p: Promise<T>) => p.catch((e: Error) => ({ thrown: e.message }));

forEachDb('certificate races', (ctx) => {
	/** A participant who met every requirement and attested: ready for sign-off. */
	async function ready() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const admin2 = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		await completeModules(ctx.db, pat.user, facilitator, Infinity);
		await ctx.db.updateTable('enrollments').set({ fee_status: 'waived' }).where('id', '=', pat.enrollmentId).execute();
		expect(await attest(ctx.db, pat.user, { typedName: pat.legalName, confirmed: true })).toEqual({ ok: true });
		return { ...p, clerk, facilitator, admin, admin2, pat };
	}
	async function issued() {
		const s = await ready();
		const so = await signOff(ctx.db, s.facilitator, s.pat.enrollmentId, ORIGIN);
		if (!so.ok) throw new Error(so.reason);
		return { ...s, certificateId: so.certificateId, serial: so.serial };
	}
	const fix = (s: Awaited<ReturnType<typeof ready>>, legalName: string): Correction => ({
		legalName,
		dateOfBirth: s.pat.dateOfBirth,
		caseNumber: s.pat.caseNumber,
		offence: null,
		reason: 'Name misspelled on the referral'
	});

	const certificates = (enrollmentId: string) =>
		ctx.db
			.selectFrom('certificates')
			.select(['id', 'serial', 'status', 'facts_json'])
			.where('enrollment_id', '=', enrollmentId)
			.execute();
	const valid = async (enrollmentId: string) => (await certificates(enrollmentId)).filter((c) => c.status === 'valid');
	const referral = (enrollmentId: string) =>
		ctx.db
			.selectFrom('enrollments')
			.select(['legal_name', 'date_of_birth', 'case_number', 'offence'])
			.where('id', '=', enrollmentId)
			.executeTakeFirstOrThrow();
	const lastSerial = async (programId: string) =>
		Number(
			(
				await ctx.db
					.selectFrom('serial_counters')
					.select('last_value')
					.where('program_id', '=', programId)
					.executeTakeFirstOrThrow()
			).last_value
		);
	const audited = async (action: string) =>
		(await ctx.db.selectFrom('audit_log').select('details_json').where('action', '=', action).execute()).map(
			(a) => JSON.parse(a.details_json ?? '{}') as Record<string, unknown>
		);

	/** The referral says what the one valid certificate says. */
	async function agree(enrollmentId: string) {
		const [c] = await valid(enrollmentId);
		const f = JSON.parse(c.facts_json);
		const e = await referral(enrollmentId);
		expect({ name: e.legal_name, dob: e.date_of_birth, caseNumber: e.case_number, offence: e.offence }).toEqual({
			name: f.participantName,
			dob: f.dateOfBirth,
			caseNumber: f.caseNumber,
			offence: f.offence
		});
	}

	describe('a reissue and a revocation', () => {
		it('issues nothing when the revocation lands while the corrected certificate is being made, and explains the unused serial', async () => {
			const s = await issued();
			const before = await referral(s.pat.enrollmentId);
			let revoked: Outcome | undefined;
			seam.whileRendering = async () =>
				(revoked = await revokeCertificate(ctx.db, s.admin2, s.certificateId, 'Court vacated the referral'));
			const r = await settle(reissueCertificate(ctx.db, s.admin, s.certificateId, fix(s, 'Patrick Tester'), ORIGIN));
			expect(revoked).toEqual({ ok: true });
			expect(await valid(s.pat.enrollmentId)).toEqual([]);
			expect(r).toEqual({ ok: false, reason: 'revoked_meanwhile' });
			expect(await referral(s.pat.enrollmentId)).toEqual(before);
			const claim = await ctx.db
				.selectFrom('certificate_corrections')
				.selectAll()
				.where('certificate_id', '=', s.certificateId)
				.executeTakeFirstOrThrow();
			expect(claim).toMatchObject({ outcome: 'abandoned', abandoned_because: 'revoked' });
			expect(await audited('certificate.serial_void')).toEqual([
				expect.objectContaining({ serial: claim.serial, because: 'revoked' })
			]);
			expect(await lastSerial(s.programId)).toBe(2);
		});

		it('lets exactly one of a revocation and a reissue sent at the same moment win, and leaves nothing valid after a revocation', async () => {
			for (let round = 0; round < 3; round++) {
				const s = await issued();
				const before = await referral(s.pat.enrollmentId);
				const [r, revoked] = await Promise.all([
					settle(reissueCertificate(ctx.db, s.admin, s.certificateId, fix(s, `Patrick Tester ${round}`), ORIGIN)),
					settle(revokeCertificate(ctx.db, s.admin2, s.certificateId, 'Court vacated the referral'))
				]);
				expect([r, revoked].filter((o) => 'thrown' in o)).toEqual([]);
				if ('ok' in revoked && revoked.ok) {
					expect(await valid(s.pat.enrollmentId)).toEqual([]);
					expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^(revoked_meanwhile|not_valid)$/) });
					expect(await referral(s.pat.enrollmentId)).toEqual(before);
				} else {
					// The reissue had finished: the revocation is refused with the serial that replaced it.
					expect(r).toMatchObject({ ok: true });
					expect(revoked).toMatchObject({ ok: false, reason: 'superseded' });
					await agree(s.pat.enrollmentId);
				}
			}
		});
	});

	describe('two reissues of one certificate', () => {
		it('refuses a second correction while the first is under way: one new certificate, no error, no serial used up', async () => {
			const s = await issued();
			let second: Outcome | undefined;
			seam.whileRendering = async () =>
				(second = await settle(
					reissueCertificate(ctx.db, s.admin2, s.certificateId, fix(s, 'Patricia Tester'), ORIGIN)
				));
			const first = await settle(
				reissueCertificate(ctx.db, s.admin, s.certificateId, fix(s, 'Patrick Tester'), ORIGIN)
			);
			expect(second).toEqual({ ok: false, reason: 'correction_under_way' });
			expect(first).toMatchObject({ ok: true });
			expect((await valid(s.pat.enrollmentId)).map((c) => JSON.parse(c.facts_json).participantName)).toEqual([
				'Patrick Tester'
			]);
			await agree(s.pat.enrollmentId);
			expect(await lastSerial(s.programId)).toBe(2);
			expect(await audited('certificate.serial_void')).toEqual([]);
		});

		it('gives one success and one clear refusal to two reissues sent at the same moment', async () => {
			const s = await issued();
			const results = await Promise.all([
				settle(reissueCertificate(ctx.db, s.admin, s.certificateId, fix(s, 'Patrick Tester'), ORIGIN)),
				settle(reissueCertificate(ctx.db, s.admin2, s.certificateId, fix(s, 'Patricia Tester'), ORIGIN))
			]);
			expect(results.filter((o) => 'thrown' in o)).toEqual([]);
			expect(results.filter((o) => 'ok' in o && o.ok)).toHaveLength(1);
			expect(results.filter((o) => 'ok' in o && !o.ok)).toEqual([
				{ ok: false, reason: expect.stringMatching(/^(correction_under_way|not_valid)$/) }
			]);
			expect(await valid(s.pat.enrollmentId)).toHaveLength(1);
			await agree(s.pat.enrollmentId);
			expect(await lastSerial(s.programId)).toBe(2);
		});
	});

	it('issues nothing and brings no personal data back when the retention purge removes the record during a reissue', async () => {
		const s = await issued();
		seam.whileRendering = () => purgeDue(ctx.db, FAR_FUTURE);
		const r = await settle(reissueCertificate(ctx.db, s.admin, s.certificateId, fix(s, 'Patrick Tester'), ORIGIN));
		const all = await certificates(s.pat.enrollmentId);
		expect(all.filter((c) => c.facts_json.includes('Patrick Tester'))).toEqual([]);
		expect(all.map((c) => c.id)).toEqual([s.certificateId]);
		expect(r).toEqual({ ok: false, reason: 'purged' });
		expect((await referral(s.pat.enrollmentId)).legal_name).toBe('');
		expect(
			await ctx.db
				.selectFrom('certificate_files')
				.select('certificate_id')
				.where(
					'certificate_id',
					'in',
					all.map((c) => c.id)
				)
				.execute()
		).toEqual([]);
		expect(await audited('certificate.serial_void')).toEqual([expect.objectContaining({ because: 'purged' })]);
	});

	it('refuses without an error a corrected case number that another referral took while the certificate was being made', async () => {
		const s = await issued();
		const before = await referral(s.pat.enrollmentId);
		const taken = `${s.pat.caseNumber}-B`;
		seam.whileRendering = async () => {
			const other = await createReferral(ctx.db, s.clerk, {
				legalName: 'Someone Else',
				dateOfBirth: '1975-05-05',
				caseNumber: taken,
				courtId: s.courtId,
				referralDate: today(),
				dueDate: '2099-01-01'
			});
			if (!other.ok) throw new Error(other.reason);
		};
		const r = await settle(
			reissueCertificate(ctx.db, s.admin, s.certificateId, { ...fix(s, s.pat.legalName), caseNumber: taken }, ORIGIN)
		);
		expect(r).toEqual({ ok: false, reason: 'duplicate_case' });
		expect((await valid(s.pat.enrollmentId)).map((c) => c.id)).toEqual([s.certificateId]);
		expect(await referral(s.pat.enrollmentId)).toEqual(before);
		expect(await audited('certificate.serial_void')).toEqual([expect.objectContaining({ because: 'duplicate_case' })]);
	});

	it('expires a correction left pending by a crash after a few minutes, and explains its serial in the audit log', async () => {
		const s = await issued();
		// A process that claimed the correction and died before it could render or register anything.
		const crashed = await claimReissue(ctx.db, s.admin, s.certificateId, fix(s, 'Patrick Tester'));
		if (!crashed.ok) throw new Error(crashed.reason);
		expect(await reissueCertificate(ctx.db, s.admin2, s.certificateId, fix(s, 'Patricia Tester'), ORIGIN)).toEqual({
			ok: false,
			reason: 'correction_under_way'
		});
		clock.advance(6 * 60_000);
		const r = await reissueCertificate(ctx.db, s.admin2, s.certificateId, fix(s, 'Patricia Tester'), ORIGIN);
		expect(r).toMatchObject({ ok: true });
		const stale = await ctx.db
			.selectFrom('certificate_corrections')
			.select(['outcome', 'abandoned_because'])
			.where('id', '=', crashed.claim.id)
			.executeTakeFirstOrThrow();
		expect(stale).toEqual({ outcome: 'abandoned', abandoned_because: 'expired' });
		expect(await audited('certificate.serial_void')).toEqual([
			expect.objectContaining({ serial: crashed.claim.serial, because: 'expired' })
		]);
		expect(await lastSerial(s.programId)).toBe(3);
		await agree(s.pat.enrollmentId);
	});

	describe('sign-off', () => {
		it('keeps the referral and the certificate in agreement when an admin corrects the referral while the certificate is being made', async () => {
			const s = await ready();
			let corrected: Outcome | undefined;
			seam.whileRendering = async () =>
				(corrected = await correctReferral(ctx.db, s.admin, s.pat.enrollmentId, {
					legalName: s.pat.legalName,
					dateOfBirth: '1980-01-02',
					caseNumber: s.pat.caseNumber,
					offence: null,
					email: null,
					phone: null
				}));
			const so = await settle(signOff(ctx.db, s.facilitator, s.pat.enrollmentId, ORIGIN));
			expect(so).toMatchObject({ ok: true });
			await agree(s.pat.enrollmentId);
			expect(corrected).toEqual({ ok: false, reason: 'has_certificate' });
		});

		it('issues no certificate when the retention purge removes the record while it is being made', async () => {
			const s = await ready();
			seam.whileRendering = () => purgeDue(ctx.db, FAR_FUTURE);
			const so = await settle(signOff(ctx.db, s.facilitator, s.pat.enrollmentId, ORIGIN));
			expect(await certificates(s.pat.enrollmentId)).toEqual([]);
			expect(so).toEqual({ ok: false, reason: 'not_found' });
		});

		it('records one attestation when the participant sends it twice at once', async () => {
			await useTestKeys(ctx.db);
			const p = await makeProgram(ctx.db);
			await makeCurriculum(ctx.db, p.slug, 1);
			const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
			const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
			const pat = await makeParticipant(ctx.db, clerk, p.courtId);
			await completeModules(ctx.db, pat.user, facilitator, Infinity);
			await ctx.db
				.updateTable('enrollments')
				.set({ fee_status: 'waived' })
				.where('id', '=', pat.enrollmentId)
				.execute();
			const both = await Promise.all([
				attest(ctx.db, pat.user, { typedName: pat.legalName, confirmed: true }),
				attest(ctx.db, pat.user, { typedName: pat.legalName, confirmed: true })
			]);
			expect(both.filter((r) => r.ok)).toHaveLength(1);
			expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'already_attested' }]);
			expect(
				await ctx.db.selectFrom('audit_log').select('seq').where('action', '=', 'enrollment.attest').execute()
			).toHaveLength(1);
		});
	});
});
