// Revocation and correction: admins of the program only, a reason always,
// and verification reports revoked or superseded afterwards.
import { expect, it } from 'vitest';
import { reissueCertificate, revokeCertificate } from '../../src/lib/server/certificates/registry.service';
import { correctionsOf } from '../../src/lib/server/certificates/reissue-claims';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { verifyUpload } from '../../src/lib/server/verification/verification.service';
import { certify, forEachDb } from '../../src/lib/server/testing/db-tests';

forEachDb('certificate registry', (ctx) => {
	async function issued() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 2);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const so = await certify(ctx.db, pat, facilitator);
		return { ...p, clerk, facilitator, admin, pat, certificateId: so.certificateId, serial: so.serial };
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
	const ctxIp = { method: 'upload' as const, userId: null, ip: '10.9.9.9' };

	it('refuses revocation by a facilitator, court staff or an admin of another program', async () => {
		const s = await issued();
		const other = await makeProgram(ctx.db);
		const outsider = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		for (const who of [s.facilitator, s.clerk, outsider, s.pat.user]) {
			expect(await revokeCertificate(ctx.db, who, s.certificateId, 'Entered in error')).toEqual({
				ok: false,
				reason: 'not_found'
			});
		}
		expect(await revokeCertificate(ctx.db, s.admin, s.certificateId, ' ')).toEqual({
			ok: false,
			reason: 'reason_required'
		});
	});

	it('revokes with a reason; verification then says revoked, and a second revoke is refused', async () => {
		const s = await issued();
		expect(await revokeCertificate(ctx.db, s.admin, s.certificateId, 'Court vacated the referral')).toEqual({
			ok: true
		});
		const v = await verifyUpload(ctx.db, await file(s.certificateId), ctxIp);
		expect(v).toMatchObject({
			outcome: 'revoked',
			match: true,
			certificate: { revokeReason: 'Court vacated the referral' }
		});
		expect(await revokeCertificate(ctx.db, s.admin, s.certificateId, 'Again, please')).toEqual({
			ok: false,
			reason: 'not_valid'
		});
		expect(
			await ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'certificate.revoke').execute()
		).toHaveLength(1);
	});

	it('reissues after a correction: a new serial with the corrected facts, the old one superseded', async () => {
		const s = await issued();
		const r = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			{
				legalName: 'Patrick Tester',
				dateOfBirth: s.pat.dateOfBirth,
				caseNumber: s.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled on the referral'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		expect(r.serial).not.toBe(s.serial);
		const old = await verifyUpload(ctx.db, await file(s.certificateId), ctxIp);
		expect(old).toMatchObject({ outcome: 'superseded', certificate: { supersededBy: r.serial } });
		const fresh = await verifyUpload(ctx.db, await file(r.certificateId), ctxIp);
		expect(fresh).toMatchObject({
			outcome: 'valid',
			certificate: { participantName: 'Patrick Tester', serial: r.serial }
		});
		const valid = await ctx.db
			.selectFrom('certificates')
			.select('id')
			.where('enrollment_id', '=', s.pat.enrollmentId)
			.where('status', '=', 'valid')
			.execute();
		expect(valid).toHaveLength(1);
	});

	it('refuses to revoke a certificate already replaced by a correction, and names the serial that replaced it', async () => {
		const s = await issued();
		const r = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			{
				legalName: 'Patrick Tester',
				dateOfBirth: s.pat.dateOfBirth,
				caseNumber: s.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled on the referral'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		expect(await revokeCertificate(ctx.db, s.admin, s.certificateId, 'Court vacated the referral')).toEqual({
			ok: false,
			reason: 'superseded',
			by: { id: r.certificateId, serial: r.serial }
		});
		// The serial named is the one to revoke.
		expect(await revokeCertificate(ctx.db, s.admin, r.certificateId, 'Court vacated the referral')).toEqual({
			ok: true
		});
	});

	it('keeps each correction with its reason and the old and new facts, for the certificate page', async () => {
		const s = await issued();
		const r = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			{
				legalName: 'Patrick Tester',
				dateOfBirth: '1980-02-03',
				caseNumber: s.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled on the referral'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		const expected = [
			expect.objectContaining({
				serial: r.serial,
				reason: 'Name misspelled on the referral',
				outcome: 'issued',
				changes: [
					{ field: 'legal_name', old: s.pat.legalName, new: 'Patrick Tester' },
					{ field: 'date_of_birth', old: s.pat.dateOfBirth, new: '1980-02-03' }
				]
			})
		];
		expect(await correctionsOf(ctx.db, { id: s.certificateId, serial: s.serial })).toEqual(expected);
		expect(await correctionsOf(ctx.db, { id: r.certificateId, serial: r.serial })).toEqual([
			expect.objectContaining({ producedThis: true, serial: r.serial })
		]);
		// The audit log names the fields, never the values.
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select('details_json')
			.where('action', 'in', ['certificate.correction.claim', 'enrollment.correct'])
			.execute();
		for (const a of audits) expect(a.details_json).not.toContain('Patrick');
	});
});
