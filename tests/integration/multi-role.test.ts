// Users who hold several roles, or several courts and programs: a user may hold more than one role,
// and every page and endpoint checks role AND scope (src/lib/server/access.ts). For each such user
// and each record, every list and every open must give the same answer as the rule stated below, so
// a list never shows what opening refuses, and what is not his is "not found" everywhere.
import { expect, it } from 'vitest';
import { certificateFile } from '../../src/lib/server/certificates/download';
import { certificateForAdmin, listCertificates } from '../../src/lib/server/certificates/registry.service';
import { issueResetCode } from '../../src/lib/server/auth/password-reset';
import { sessionRequirementSettings } from '../../src/lib/server/admin/program-settings.service';
import { clock } from '../../src/lib/server/clock';
import { listCourtCertificates } from '../../src/lib/server/court/court-certificates.service';
import { listReferrals, setNextHearing, viewReferral } from '../../src/lib/server/court/court.service';
import { evidencePacket } from '../../src/lib/server/court/evidence-packet.service';
import { instructionLetter, issueNewEnrollmentCode } from '../../src/lib/server/enrollment/letter.service';
import { participantRecord, submissionForGrading } from '../../src/lib/server/facilitation/facilitation.service';
import { gradingQueue } from '../../src/lib/server/facilitation/grading-queue';
import { participantsOverview } from '../../src/lib/server/facilitation/oversight';
import { correctionQueue } from '../../src/lib/server/privacy/corrections.service';
import { scheduleSession, sessionForStaff, staffSessions } from '../../src/lib/server/sessions/sessions.service';
import { findIdentity, type UserIdentity } from '../../src/lib/server/users/users.queries';
import { createStaffUser } from '../../src/lib/server/users/users.service';
import { checksForAdmin, certificateForCourt } from '../../src/lib/server/verification/checks.service';
import type { Role } from '../../src/lib/server/db/schema';
import type { Db } from '../../src/lib/server/db';
import {
	TEST_PASSWORD,
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { certify, completeModule, forEachDb, makeCourt, moduleIds } from '../../src/lib/server/testing/db-tests';

const ORIGIN = 'http://test.invalid';

let n = 0;
async function staff(db: Db, roles: Role[], programIds: string[], courtIds: string[]): Promise<UserIdentity> {
	const r = await createStaffUser(db, null, {
		email: `multi-${++n}-${Math.random().toString(36).slice(2, 8)}@staff.test`,
		name: 'Multi Role',
		password: TEST_PASSWORD,
		roles,
		programIds,
		courtIds
	});
	if (!r.ok) throw new Error(`staff: ${r.reason}`);
	return (await findIdentity(db, r.id))!;
}

// The rule, stated apart from the code: court work (referrals, letters, hearings, the court's
// certificate pages) is for court staff of the referral's court and admins of its program; program
// work (case file, grading, resets, sessions) is for its facilitators and admins; the evidence packet
// is for either; the certificate file also for the participant himself.
type Scope = { program: string; court: string; user: string };
const has = (u: UserIdentity, r: Role) => u.roles.includes(r);
const courtWork = (u: UserIdentity, s: Scope) =>
	(has(u, 'court') && u.courtIds.includes(s.court)) || (has(u, 'admin') && u.programIds.includes(s.program));
const programWork = (u: UserIdentity, program: string) =>
	(has(u, 'facilitator') || has(u, 'admin')) && u.programIds.includes(program);
const adminOf = (u: UserIdentity, program: string) => has(u, 'admin') && u.programIds.includes(program);
const recordWork = (u: UserIdentity, s: Scope) => courtWork(u, s) || programWork(u, s.program);

forEachDb('multi-role access', (ctx) => {
	async function world() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		const q = await makeProgram(ctx.db);
		const versionP = await makeCurriculum(ctx.db, p.slug, 2);
		const versionQ = await makeCurriculum(ctx.db, q.slug, 2);
		const courtA = p.courtId;
		const courtB = await makeCourt(ctx.db, p.programId, 'Court B');
		const courtC = q.courtId;
		const clerk = await staff(ctx.db, ['court'], [], [courtA, courtB, courtC]);
		const facilitator = await staff(ctx.db, ['facilitator'], [p.programId, q.programId], []);

		// Per court: one participant with a reflection waiting for a grade, one with a certificate.
		const court = { A: courtA, B: courtB, C: courtC };
		const programOf = { A: p.programId, B: p.programId, C: q.programId };
		const firstModule = { A: (await moduleIds(ctx.db, versionP))[0], C: (await moduleIds(ctx.db, versionQ))[0] };
		const records = [];
		for (const k of ['A', 'B', 'C'] as const) {
			const pending = await makeParticipant(ctx.db, clerk, court[k]);
			const [submissionId] = await completeModule(ctx.db, pending.user, firstModule[k === 'C' ? 'C' : 'A']);
			const done = await makeParticipant(ctx.db, clerk, court[k]);
			const so = await certify(ctx.db, done, facilitator);
			const scope = (user: string) => ({ program: programOf[k], court: court[k], user });
			records.push({
				name: `court ${k}`,
				pending: { ...pending, submissionId, scope: scope(pending.user.id) },
				done: { ...done, certificateId: so.certificateId, scope: scope(done.user.id) }
			});
		}

		const start = new Date(clock.now().getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
		const sessions: { id: string; program: string }[] = [];
		for (const programId of [p.programId, q.programId]) {
			const r = await scheduleSession(ctx.db, facilitator, {
				programId,
				title: 'Survivor panel',
				kind: 'survivor_panel',
				mode: 'in_person',
				location: 'Room 2',
				url: '',
				startsLocal: `${start}T18:00`,
				endsLocal: `${start}T20:00`,
				capacity: 10
			});
			if (!r.ok) throw new Error(`schedule: ${JSON.stringify(r)}`);
			sessions.push({ id: r.id, program: programId });
		}

		const users: Record<string, UserIdentity> = {
			'court A + admin of P': await staff(ctx.db, ['court', 'admin'], [p.programId], [courtA]),
			'court A + court B': await staff(ctx.db, ['court'], [], [courtA, courtB]),
			'facilitator of P + court A': await staff(ctx.db, ['facilitator', 'court'], [p.programId], [courtA]),
			'facilitator of P + court C (of Q)': await staff(ctx.db, ['facilitator', 'court'], [p.programId], [courtC]),
			// user_programs holds no role: this user is admin and facilitator of both programs.
			'admin of P + facilitator of Q': await staff(ctx.db, ['admin', 'facilitator'], [p.programId, q.programId], []),
			'facilitator of P and Q': await staff(ctx.db, ['facilitator'], [p.programId, q.programId], []),
			'admin of Q only': await makeStaff(ctx.db, ['admin'], { programId: q.programId }),
			'court A only': await makeStaff(ctx.db, ['court'], { courtId: courtA }),
			'participant (no staff role)': records[0].pending.user
		};
		return { p, q, records, sessions, users };
	}

	it('gives every multi-role user the same answer in every list and every open, by one rule', async () => {
		const w = await world();
		const wrong: string[] = [];
		const check = (who: string, action: string, what: string, expected: boolean, got: boolean) => {
			if (expected !== got)
				wrong.push(
					`${who} · ${action} · ${what}: expected ${expected ? 'allowed' : 'not found'}, got ${got ? 'allowed' : 'not found'}`
				);
		};

		for (const [who, u] of Object.entries(w.users)) {
			const referrals = (await listReferrals(ctx.db, u)).map((r) => r.id);
			const courtCerts = await listCourtCertificates(ctx.db, u, {});
			const courtCertIds = courtCerts.ok ? courtCerts.certificates.map((c) => c.id) : [];
			const registry = (await listCertificates(ctx.db, u)).map((c) => c.id);
			const queue = (await gradingQueue(ctx.db, u)).map((s) => s.id);
			const caseload = (await participantsOverview(ctx.db, u, { show: 'all' })).rows.map((r) => r.id);
			const sessions = await staffSessions(ctx.db, u);
			const sessionIds = sessions ? sessions.upcoming.map((s) => s.id) : [];
			const adminPrograms = (await sessionRequirementSettings(ctx.db, u)).map((s) => s.id);
			const corrections = await correctionQueue(ctx.db, u);

			for (const r of w.records) {
				for (const rec of [r.pending, r.done]) {
					const what = `${r.name} ${rec === r.pending ? 'pending' : 'certified'}`;
					const court = courtWork(u, rec.scope);
					const program = programWork(u, rec.scope.program);
					check(who, 'referral list', what, court, referrals.includes(rec.enrollmentId));
					check(who, 'referral open', what, court, !!(await viewReferral(ctx.db, u, rec.enrollmentId)));
					check(who, 'hearing', what, court, (await setNextHearing(ctx.db, u, rec.enrollmentId, null)).ok);
					const letter = await instructionLetter(ctx.db, u, rec.enrollmentId, 'WRONG', ORIGIN);
					check(who, 'letter', what, court, !letter.ok && letter.reason !== 'not_found');
					const code = await issueNewEnrollmentCode(ctx.db, u, rec.enrollmentId);
					check(who, 'new code', what, court, !code.ok && code.reason !== 'not_found');
					check(who, 'case-file list', what, program, caseload.includes(rec.enrollmentId));
					check(who, 'case-file open', what, program, !!(await participantRecord(ctx.db, u, rec.enrollmentId)));
					const reset = await issueResetCode(ctx.db, u, rec.enrollmentId);
					check(who, 'password reset', what, program, reset.ok);
				}
				const pending = r.pending;
				const program = programWork(u, pending.scope.program);
				check(who, 'grading queue', r.name, program, queue.includes(pending.submissionId));
				check(who, 'grading open', r.name, program, !!(await submissionForGrading(ctx.db, u, pending.submissionId)));
				const packet = await evidencePacket(ctx.db, u, pending.enrollmentId, ORIGIN);
				check(who, 'evidence packet', r.name, recordWork(u, pending.scope), packet.ok);

				const done = r.done;
				const court = courtWork(u, done.scope);
				const admin = adminOf(u, done.scope.program);
				const own = done.scope.user === u.id;
				check(who, 'court certificate list', r.name, court, courtCertIds.includes(done.certificateId));
				check(
					who,
					'court certificate open',
					r.name,
					court,
					!!(await certificateForCourt(ctx.db, u, done.certificateId))
				);
				check(who, 'registry list', r.name, admin, registry.includes(done.certificateId));
				check(who, 'registry open', r.name, admin, !!(await certificateForAdmin(ctx.db, u, done.certificateId)));
				check(who, 'verification checks', r.name, admin, !!(await checksForAdmin(ctx.db, u, done.certificateId)));
				const file = await certificateFile(ctx.db, u, done.certificateId);
				check(who, 'certificate download', r.name, own || recordWork(u, done.scope), !!file);
			}
			for (const s of w.sessions) {
				const what = s.program === w.p.programId ? 'program P' : 'program Q';
				const program = programWork(u, s.program);
				check(who, 'sessions list', what, program, sessionIds.includes(s.id));
				check(who, 'session open', what, program, !!(await sessionForStaff(ctx.db, u, s.id)));
			}
			for (const programId of [w.p.programId, w.q.programId]) {
				const what = programId === w.p.programId ? 'program P' : 'program Q';
				check(who, 'program settings', what, adminOf(u, programId), adminPrograms.includes(programId));
			}
			check(who, 'correction queue', 'any', u.roles.includes('admin'), !!corrections);
		}
		expect(wrong).toEqual([]);
	}, 240_000);

	it('lets court staff of court A who is admin of the program open court B’s referral the list shows him, audited as admin', async () => {
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const courtB = await makeCourt(ctx.db, p.programId, 'Court B');
		const clerkB = await makeStaff(ctx.db, ['court'], { courtId: courtB });
		const theirs = await makeParticipant(ctx.db, clerkB, courtB);
		const mine = await makeParticipant(ctx.db, clerkB, courtB);
		await ctx.db.updateTable('enrollments').set({ court_id: p.courtId }).where('id', '=', mine.enrollmentId).execute();
		const u = await staff(ctx.db, ['court', 'admin'], [p.programId], [p.courtId]);

		const listed = (await listReferrals(ctx.db, u)).map((r) => r.id);
		expect(listed).toContain(theirs.enrollmentId);
		expect((await viewReferral(ctx.db, u, theirs.enrollmentId, '10.0.0.1'))?.enrollment.id).toBe(theirs.enrollmentId);
		expect(await setNextHearing(ctx.db, u, theirs.enrollmentId, null)).toEqual({ ok: true, changed: false });
		expect(await issueNewEnrollmentCode(ctx.db, u, theirs.enrollmentId)).toEqual({
			ok: false,
			reason: 'already_activated'
		});
		expect((await viewReferral(ctx.db, u, mine.enrollmentId, '10.0.0.1'))?.enrollment.id).toBe(mine.enrollmentId);

		// The audit names the role that let him in: admin for court B's, court for his own court's.
		const views = await ctx.db
			.selectFrom('audit_log')
			.select(['target_id', 'details_json'])
			.where('action', '=', 'record.view')
			.where('actor_id', '=', u.id)
			.orderBy('seq')
			.execute();
		expect(views.map((v) => [v.target_id, JSON.parse(v.details_json!).as])).toEqual([
			[theirs.enrollmentId, 'admin'],
			[mine.enrollmentId, 'court']
		]);
	});

	it('records in the audit the role that granted access, not the first role the user holds', async () => {
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const q = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, q.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: q.courtId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const theirs = await makeParticipant(ctx.db, otherClerk, q.courtId);
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const both = await staff(ctx.db, ['admin', 'facilitator'], [p.programId], []);
		const facCourt = await staff(ctx.db, ['facilitator', 'court'], [p.programId], [q.courtId]);

		expect(await participantRecord(ctx.db, admin, pat.enrollmentId)).toBeDefined();
		expect(await participantRecord(ctx.db, both, pat.enrollmentId)).toBeDefined();
		expect(await participantRecord(ctx.db, facCourt, pat.enrollmentId)).toBeDefined();
		expect(await viewReferral(ctx.db, facCourt, theirs.enrollmentId)).toBeDefined();
		expect(await viewReferral(ctx.db, facCourt, pat.enrollmentId)).toBeUndefined();
		const rows = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'target_id', 'details_json'])
			.where('action', '=', 'record.view')
			.orderBy('seq')
			.execute();
		expect(rows.map((r) => [r.actor_id, r.target_id, JSON.parse(r.details_json!).as])).toEqual([
			[admin.id, pat.enrollmentId, 'admin'],
			[both.id, pat.enrollmentId, 'facilitator'],
			[facCourt.id, pat.enrollmentId, 'facilitator'],
			[facCourt.id, theirs.enrollmentId, 'court']
		]);
	});
});
