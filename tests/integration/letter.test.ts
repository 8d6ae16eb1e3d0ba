import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clock, today } from '../../src/lib/server/clock';
import { activate } from '../../src/lib/server/enrollment/activation.service';
import { instructionLetter, issueNewEnrollmentCode } from '../../src/lib/server/enrollment/letter.service';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { makeCurriculum, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { findIdentity } from '../../src/lib/server/users/users.queries';
import { forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-04-01T12:00:00.000Z');
const ORIGIN = 'https://johnschool.example.org';
const hasPdftotext = existsSync('/usr/bin/pdftotext');

function pdfText(pdf: Buffer): string {
	const file = join(mkdtempSync(join(tmpdir(), 'letter-')), 'letter.pdf');
	writeFileSync(file, pdf);
	return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

forEachDb('enrollment instruction letter and new codes', (ctx) => {
	async function referred() {
		clock.set(T0);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const r = await createReferral(ctx.db, clerk, {
			legalName: 'Dale Nguyễn Person',
			dateOfBirth: '1979-06-15',
			courtId: p.courtId,
			caseNumber: '62-CR-26-4321',
			referralDate: today(),
			dueDate: '2026-09-01'
		});
		if (!r.ok) throw new Error(r.reason);
		return { ...p, clerk, enrollmentId: r.enrollmentId, code: r.code };
	}

	describe('who may not', () => {
		it('refuses court staff of another court, a facilitator and a participant, as "not found"', async () => {
			const s = await referred();
			const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: await makeCourt(ctx.db, s.programId) });
			const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: s.programId });
			const other = await createReferral(ctx.db, s.clerk, {
				legalName: 'Another Person',
				dateOfBirth: '1980-01-01',
				courtId: s.courtId,
				caseNumber: '62-CR-26-7',
				referralDate: today(),
				dueDate: '2026-09-01'
			});
			if (!other.ok) throw new Error(other.reason);
			const act = await activate(ctx.db, {
				code: other.code,
				dateOfBirth: '1980-01-01',
				caseNumber: '62-CR-26-7',
				email: 'another@participant.test',
				password: 'violet kettles hum beneath orchards',
				noticeAcknowledged: true,
				ip: '10.9.0.1'
			});
			if (!act.ok) throw new Error(act.reason);
			const participant = (await findIdentity(ctx.db, act.userId))!;
			for (const who of [otherClerk, facilitator, participant]) {
				expect(await instructionLetter(ctx.db, who, s.enrollmentId, s.code, ORIGIN)).toEqual({
					ok: false,
					reason: 'not_found'
				});
				expect(await issueNewEnrollmentCode(ctx.db, who, s.enrollmentId)).toEqual({ ok: false, reason: 'not_found' });
			}
		});
	});

	it('prints the letter only for the code that belongs to the referral', async () => {
		const s = await referred();
		expect(await instructionLetter(ctx.db, s.clerk, s.enrollmentId, 'AAAA-BBBB-CCCC', ORIGIN)).toEqual({
			ok: false,
			reason: 'wrong_code'
		});
		const r = await instructionLetter(ctx.db, s.clerk, s.enrollmentId, s.code.toLowerCase().replace(/-/g, ' '), ORIGIN);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.pdf.subarray(0, 5).toString()).toBe('%PDF-');
		expect(r.fileName).toBe('enrollment-letter-62-CR-26-4321.pdf');
		if (hasPdftotext) {
			const text = pdfText(r.pdf);
			expect(text).toContain('Dale Nguyễn Person');
			expect(text).toContain('62-CR-26-4321');
			expect(text).toContain('September 1, 2026');
			expect(text).toContain(`${ORIGIN}/activate`);
		}
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select('action')
			.where('target_id', '=', s.enrollmentId)
			.execute();
		expect(audits.map((a) => a.action)).toContain('referral.letter');
	});

	it('replaces a lost code: the old one stops working, the new one activates', async () => {
		const s = await referred();
		clock.set(new Date(T0.getTime() + 86_400_000));
		const n = await issueNewEnrollmentCode(ctx.db, s.clerk, s.enrollmentId, '10.1.1.1');
		if (!n.ok) throw new Error(n.reason);
		expect(n.code).not.toBe(s.code);
		expect(await instructionLetter(ctx.db, s.clerk, s.enrollmentId, s.code, ORIGIN)).toEqual({
			ok: false,
			reason: 'wrong_code'
		});
		const base = {
			dateOfBirth: '1979-06-15',
			caseNumber: '62-CR-26-4321',
			email: 'dale@participant.test',
			password: 'violet kettles hum beneath orchards',
			noticeAcknowledged: true,
			ip: '10.9.9.1'
		};
		expect((await activate(ctx.db, { ...base, code: s.code })).ok).toBe(false);
		expect((await activate(ctx.db, { ...base, code: n.code })).ok).toBe(true);
		// Activated: no more letters or codes.
		expect(await instructionLetter(ctx.db, s.clerk, s.enrollmentId, n.code, ORIGIN)).toEqual({
			ok: false,
			reason: 'already_activated'
		});
		expect(await issueNewEnrollmentCode(ctx.db, s.clerk, s.enrollmentId)).toEqual({
			ok: false,
			reason: 'already_activated'
		});
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'actor_id'])
			.where('target_id', '=', s.enrollmentId)
			.execute();
		expect(audits).toContainEqual({ action: 'referral.new_code', actor_id: s.clerk.id });
	});

	it('refuses an expired code', async () => {
		const s = await referred();
		clock.set(new Date(T0.getTime() + 400 * 86_400_000));
		expect(await instructionLetter(ctx.db, s.clerk, s.enrollmentId, s.code, ORIGIN)).toEqual({
			ok: false,
			reason: 'expired'
		});
	});
});
