// Court staff see the certificates of their courts' referrals and download them for the case file
// (the court staff role in the README). Who may not first, then the list, its filters and the download.
import { expect, it } from 'vitest';
import { certificateFile } from '../../src/lib/server/certificates/download';
import { reissueCertificate, revokeCertificate } from '../../src/lib/server/certificates/registry.service';
import { foldName, listCourtCertificates } from '../../src/lib/server/court/court-certificates.service';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { certify, forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

it('folds accents and case out of names, so a clerk can type "nguyen"', () => {
	expect(foldName('  Nguyễn  Văn ĐẶNG ')).toBe('nguyen van dang');
	expect(foldName('Łukasz O’Brien-Müller')).toBe("lukasz o'brien-muller");
});

forEachDb('court certificates list', (ctx) => {
	async function world() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const otherCourtId = await makeCourt(ctx.db, p.programId, 'Washington County District Court');
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: otherCourtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });

		/** A participant of `courtId`, taken through to a signed-off certificate. */
		async function certified(referrer: UserIdentity, courtId: string, legalName?: string) {
			const made = await makeParticipant(ctx.db, referrer, courtId);
			const name = legalName ?? made.legalName;
			if (legalName)
				await ctx.db
					.updateTable('enrollments')
					.set({ legal_name: legalName })
					.where('id', '=', made.enrollmentId)
					.execute();
			const pat = { ...made, legalName: name };
			const so = await certify(ctx.db, pat, facilitator);
			return { pat, name, certificateId: so.certificateId, serial: so.serial };
		}

		const mine = await certified(clerk, p.courtId, 'Nguyễn Văn An');
		const theirs = await certified(otherClerk, otherCourtId);
		return { ...p, otherCourtId, clerk, otherClerk, facilitator, admin, mine, theirs, certified };
	}

	const list = (user: UserIdentity, filter: { courtId?: string; q?: string } = {}) =>
		listCourtCertificates(ctx.db, user, filter, '10.1.1.1');
	const serials = async (user: UserIdentity, filter: { courtId?: string; q?: string } = {}) => {
		const r = await list(user, filter);
		if (!r.ok) throw new Error(r.reason);
		return r.certificates.map((c) => c.serial);
	};

	it('shows nothing to a participant or a facilitator, and only their own court to court staff of another court', async () => {
		const w = await world();
		expect(await serials(w.mine.pat.user)).toEqual([]);
		expect(await serials(w.facilitator)).toEqual([]);
		expect(await serials(w.otherClerk)).toEqual([w.theirs.serial]);
	});

	it('answers not_found for a court outside the user’s scope, even as a filter', async () => {
		const w = await world();
		expect(await list(w.clerk, { courtId: w.otherCourtId })).toEqual({ ok: false, reason: 'not_found' });
		expect(await list(w.otherClerk, { courtId: w.courtId })).toEqual({ ok: false, reason: 'not_found' });
		expect(await list(w.clerk, { courtId: 'no-such-court' })).toEqual({ ok: false, reason: 'not_found' });
	});

	it('refuses the download to court staff of another court, another participant and a facilitator of another program', async () => {
		const w = await world();
		const elsewhere = await makeProgram(ctx.db);
		const outsider = await makeStaff(ctx.db, ['facilitator'], { programId: elsewhere.programId });
		for (const who of [w.otherClerk, w.theirs.pat.user, outsider]) {
			expect(await certificateFile(ctx.db, who, w.mine.certificateId)).toBeUndefined();
		}
		expect(await certificateFile(ctx.db, w.clerk, w.theirs.certificateId)).toBeUndefined();
	});

	it('lists the clerk’s court’s certificates with their facts and status, newest first', async () => {
		const w = await world();
		const second = await w.certified(w.clerk, w.courtId);
		const r = await list(w.clerk);
		if (!r.ok) throw new Error(r.reason);
		expect(r.courts).toEqual([{ id: w.courtId, name: 'Test District Court' }]);
		expect(r.certificates.map((c) => c.serial)).toEqual([second.serial, w.mine.serial]);
		expect(r.certificates[1]).toMatchObject({
			id: w.mine.certificateId,
			serial: w.mine.serial,
			status: 'valid',
			participantName: 'Nguyễn Văn An',
			caseNumber: w.mine.pat.caseNumber.toUpperCase(), // case numbers are stored normalised
			court: 'Test District Court',
			completedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)
		});
	});

	it('shows revoked and superseded certificates as such', async () => {
		const w = await world();
		const second = await w.certified(w.clerk, w.courtId);
		expect(await revokeCertificate(ctx.db, w.admin, second.certificateId, 'Issued in error')).toEqual({ ok: true });
		const re = await reissueCertificate(
			ctx.db,
			w.admin,
			w.mine.certificateId,
			{
				legalName: 'Nguyễn Văn Anh',
				dateOfBirth: w.mine.pat.dateOfBirth,
				caseNumber: w.mine.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled on the referral'
			},
			'http://test.invalid'
		);
		if (!re.ok) throw new Error(re.reason);
		const r = await list(w.clerk);
		if (!r.ok) throw new Error(r.reason);
		const bySerial = Object.fromEntries(r.certificates.map((c) => [c.serial, c]));
		expect(bySerial[second.serial]).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
		expect(bySerial[w.mine.serial]).toMatchObject({
			status: 'superseded',
			supersededBy: re.serial,
			participantName: 'Nguyễn Văn An'
		});
		expect(bySerial[re.serial]).toMatchObject({ status: 'valid', participantName: 'Nguyễn Văn Anh' });
	});

	it('filters by court and finds by name without accents, by case number with or without dashes, and by serial', async () => {
		const w = await world();
		// A fixed name: a random one ("Pat Tester <6 random letters>") could itself contain "cr" below.
		await w.certified(w.clerk, w.courtId, 'Pat Tester Third');
		const both = await makeStaff(ctx.db, ['court'], { courtId: w.courtId });
		await ctx.db.insertInto('user_courts').values({ user_id: both.id, court_id: w.otherCourtId }).execute();
		const clerkOfBoth = { ...both, courtIds: [w.courtId, w.otherCourtId] };
		expect((await serials(clerkOfBoth)).sort()).toHaveLength(3);
		expect(await serials(clerkOfBoth, { courtId: w.otherCourtId })).toEqual([w.theirs.serial]);
		expect(await serials(w.clerk, { q: 'nguyen van' })).toEqual([w.mine.serial]);
		expect(await serials(w.clerk, { q: 'NGUYỄN' })).toEqual([w.mine.serial]);
		expect(await serials(w.clerk, { q: w.mine.pat.caseNumber })).toEqual([w.mine.serial]);
		expect(await serials(w.clerk, { q: w.mine.pat.caseNumber.replace(/-/g, '') })).toEqual([w.mine.serial]);
		expect(await serials(w.clerk, { q: w.mine.serial.toLowerCase() })).toEqual([w.mine.serial]);
		expect(await serials(w.clerk, { q: 'cr' })).toEqual([]);
		// A search never reaches past the user's courts.
		expect(await serials(w.clerk, { q: w.theirs.serial })).toEqual([]);
	});

	it('audits each listing with the ids shown, never the search text', async () => {
		const w = await world();
		await list(w.clerk, { q: 'nguyen' });
		const rows = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'action', 'details_json', 'ip'])
			.where('action', '=', 'certificate.list')
			.execute();
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ actor_id: w.clerk.id, ip: '10.1.1.1' });
		const details = JSON.parse(rows[0].details_json!);
		expect(details).toEqual({ searched: true, matched: 1, shown: w.mine.certificateId });
		expect(rows[0].details_json).not.toContain('nguyen');
	});

	it('gives the clerk his court’s certificate, byte for byte, and audits the download', async () => {
		const w = await world();
		const stored = await ctx.db
			.selectFrom('certificate_files')
			.select('pdf')
			.where('certificate_id', '=', w.mine.certificateId)
			.executeTakeFirstOrThrow();
		const file = await certificateFile(ctx.db, w.clerk, w.mine.certificateId, '10.1.1.1');
		expect(file).toMatchObject({ serial: w.mine.serial, status: 'valid' });
		expect(Buffer.compare(file!.pdf, Buffer.from(stored.pdf))).toBe(0);
		const again = await certificateFile(ctx.db, w.clerk, w.mine.certificateId);
		expect(Buffer.compare(again!.pdf, file!.pdf)).toBe(0);
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'details_json'])
			.where('action', '=', 'certificate.download')
			.execute();
		expect(audits).toHaveLength(2);
		expect(JSON.parse(audits[0].details_json!)).toEqual({ as: 'court' });
	});

	it('shows an admin every court of his program', async () => {
		const w = await world();
		expect((await serials(w.admin)).sort()).toEqual([w.mine.serial, w.theirs.serial].sort());
	});
});
