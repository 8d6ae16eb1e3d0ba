// A serial's history in the registry: each correction keeps its stated reason (one line, NFC, no
// control characters) and which facts changed; verification shows the reason and the changed field
// names but never the values; a superseded serial names the current end of its chain and its status.
import { expect, it } from 'vitest';
import {
	reissueCertificate,
	revokeCertificate,
	type Correction
} from '../../src/lib/server/certificates/registry.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { certificateJson } from '../../src/lib/server/verification/api';
import { chainEnd } from '../../src/lib/server/verification/history';
import { verifyUpload } from '../../src/lib/server/verification/verification.service';
import { certify, forEachDb } from '../../src/lib/server/testing/db-tests';

forEachDb('registry history', (ctx) => {
	async function issued() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const so = await certify(ctx.db, pat, facilitator);
		return { ...p, admin, pat, certificateId: so.certificateId, serial: so.serial };
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
	const via = { method: 'upload' as const, userId: null, ip: '10.9.8.7' };
	const fix = (s: Awaited<ReturnType<typeof issued>>, over: Partial<Correction>): Correction => ({
		legalName: s.pat.legalName,
		dateOfBirth: s.pat.dateOfBirth,
		caseNumber: s.pat.caseNumber,
		offence: null,
		reason: 'Corrected on the court’s order',
		...over
	});

	it('refuses a reason that is too short, too long, or holds a control or direction character, and allocates no serial', async () => {
		const s = await issued();
		for (const [reason, why] of [
			['  abc ', 'reason_required'],
			['x'.repeat(501), 'reason_invalid'],
			['Name\nmisspelled', 'reason_invalid'],
			['Name misspelled\u202E', 'reason_invalid'],
			['Tab\tinside it', 'reason_invalid']
		] as const) {
			expect(
				await reissueCertificate(
					ctx.db,
					s.admin,
					s.certificateId,
					fix(s, { legalName: 'Patrick Tester', reason }),
					'http://test.invalid'
				)
			).toEqual({ ok: false, reason: why });
			expect(await revokeCertificate(ctx.db, s.admin, s.certificateId, reason)).toEqual({ ok: false, reason: why });
		}
		expect(await ctx.db.selectFrom('certificate_corrections').select('id').execute()).toEqual([]);
	});

	it('keeps the reason trimmed and in NFC with the changed facts, and verification shows the reason and field names, not the values', async () => {
		const s = await issued();
		const decomposed = '  Name misspelled: e\u0301 was lost  ';
		const r = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			fix(s, { legalName: 'Zoë Corrected-Name', caseNumber: 'CR-NEW-77', reason: decomposed }),
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		const k = await ctx.db.selectFrom('certificate_corrections').selectAll().executeTakeFirstOrThrow();
		expect(k.reason).toBe('Name misspelled: \u00e9 was lost');
		expect(JSON.parse(k.changes_json)).toEqual([
			{ field: 'legal_name', old: s.pat.legalName, new: 'Zoë Corrected-Name' },
			{ field: 'case_number', old: s.pat.caseNumber.toUpperCase(), new: 'CR-NEW-77' }
		]);

		const old = await verifyUpload(ctx.db, await file(s.certificateId), via);
		if (!('certificate' in old) || !old.certificate) throw new Error('no certificate');
		const note = {
			serial: r.serial,
			reason: 'Name misspelled: \u00e9 was lost',
			changedFields: ['legal_name', 'case_number'],
			correctedAt: expect.any(String)
		};
		expect(old.certificate.history).toEqual({
			replaces: null,
			replacedBy: note,
			current: { serial: r.serial, status: 'valid', revokedAt: null }
		});
		const json = certificateJson(old.certificate);
		expect(json).toMatchObject({
			status: 'superseded',
			supersededBy: r.serial,
			currentSerial: r.serial,
			currentStatus: 'valid',
			replacedBy: note,
			replaces: null
		});
		// The corrected values reach no one through the old serial.
		expect(JSON.stringify(json)).not.toContain('Zoë Corrected-Name');
		expect(JSON.stringify(json)).not.toContain('CR-NEW-77');

		const fresh = await verifyUpload(ctx.db, await file(r.certificateId), via);
		if (!('certificate' in fresh) || !fresh.certificate) throw new Error('no certificate');
		const freshJson = certificateJson(fresh.certificate);
		expect(freshJson.replaces).toEqual({ ...note, serial: s.serial });
		expect(JSON.stringify(freshJson)).not.toContain(s.pat.caseNumber.toUpperCase());
	});

	it('names the current end of a chain A → B → C, and says when C was revoked', async () => {
		const s = await issued();
		const b = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			fix(s, { legalName: 'Patrick Tester', reason: 'First correction of the name' }),
			'http://test.invalid'
		);
		if (!b.ok) throw new Error(b.reason);
		const c = await reissueCertificate(
			ctx.db,
			s.admin,
			b.certificateId,
			fix(s, { legalName: 'Patrick Testerson', reason: 'Second correction of the name' }),
			'http://test.invalid'
		);
		if (!c.ok) throw new Error(c.reason);
		const a = async () => {
			const v = await verifyUpload(ctx.db, await file(s.certificateId), via);
			if (!('certificate' in v) || !v.certificate) throw new Error('no certificate');
			return certificateJson(v.certificate);
		};
		expect(await a()).toMatchObject({
			status: 'superseded',
			supersededBy: b.serial,
			currentSerial: c.serial,
			currentStatus: 'valid'
		});
		expect(await revokeCertificate(ctx.db, s.admin, c.certificateId, 'The court vacated the referral')).toEqual({
			ok: true
		});
		const after = await a();
		expect(after).toMatchObject({
			supersededBy: b.serial,
			currentSerial: c.serial,
			currentStatus: 'revoked',
			currentRevokedAt: expect.any(String)
		});
		// C's own revocation reason is for holders of C's code.
		expect(JSON.stringify(after)).not.toContain('vacated');
	});

	it('stops following a chain that loops (impossible by construction, guarded anyway)', async () => {
		const s = await issued();
		// Forge a loop A → A through a second row that points back.
		expect(await chainEnd(ctx.db, { serial: s.serial, superseded_by: s.serial })).toBeNull();
		await ctx.db
			.updateTable('certificates')
			.set({ status: 'superseded', superseded_by: s.serial })
			.where('id', '=', s.certificateId)
			.execute();
		expect(await chainEnd(ctx.db, { serial: 'XX-2026-000001', superseded_by: s.serial })).toEqual({
			serial: s.serial,
			status: 'superseded',
			revokedAt: null
		});
	});
});
