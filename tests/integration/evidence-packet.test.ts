// The court evidence packet: one PDF for the case file with the evidence behind a participant's
// standing. Who may not first; then what it says, what it must never say (his words, staff's words,
// case notes), and that each download is audited.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidencePacket } from '../../src/lib/server/court/evidence-packet.service';
import { addCaseNote, extendDueDate } from '../../src/lib/server/facilitation/case-file.service';
import { unlockQuiz } from '../../src/lib/server/facilitation/facilitation.service';
import { purgeEnrollment } from '../../src/lib/server/privacy/retention';
import { openAttempt, submitAttempt } from '../../src/lib/server/quizzes/quiz.service';
import { gradeReflection, submitReflection } from '../../src/lib/server/reflections/reflection.service';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import type { UserIdentity } from '../../src/lib/server/users/users.queries';
import { useSigningKeys } from '../../src/lib/server/certificates/certificate-keys';
import { hasTool, writeTemp } from '../../src/lib/server/testing/pdf-tools';
import { verifyUpload } from '../../src/lib/server/verification/verification.service';
import { certify, answerKey, forEachDb, makeCourt, moduleIds } from '../../src/lib/server/testing/db-tests';

const ORIGIN = 'https://johnschool.example.org';
const NOTE = 'Staff-only note: he mentioned trouble at home';
const UNLOCK_REASON = 'Reviewed the module with him by phone';
const REFLECTION = 'My private reflection: I kept thinking about my daughter and what she would say.';
const FEEDBACK = 'Please say more about the harm to the women involved.';

function pdfText(pdf: Buffer): string {
	const file = join(mkdtempSync(join(tmpdir(), 'packet-')), 'packet.pdf');
	writeFileSync(file, pdf);
	// Without -layout: table cells come out whole, one after another.
	return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}

forEachDb('court evidence packet', (ctx) => {
	async function world() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db);
		const versionId = await makeCurriculum(ctx.db, p.slug, 2);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: await makeCourt(ctx.db, p.programId) });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });

		// Finished: every module, fee waived, attested, signed off, certificate issued.
		const done = await makeParticipant(ctx.db, clerk, p.courtId);
		const so = await certify(ctx.db, done, facilitator, { origin: ORIGIN });
		expect((await addCaseNote(ctx.db, facilitator, done.enrollmentId, NOTE)).ok).toBe(true);

		// Part-way: locked out of the first quiz, unlocked with a reason, passed it, his reflection
		// returned for revision with feedback; the court extended his due date.
		const partWay = await makeParticipant(ctx.db, clerk, p.courtId);
		const [m1] = await moduleIds(ctx.db, versionId);
		for (let i = 0; i < 3; i++) {
			const open = await openAttempt(ctx.db, partWay.user, m1);
			if (!open.ok) throw new Error(open.reason);
			await submitAttempt(ctx.db, partWay.user, m1, open.attemptId, await answerKey(ctx.db, open.questions, false));
		}
		expect(await unlockQuiz(ctx.db, facilitator, partWay.enrollmentId, m1, UNLOCK_REASON)).toEqual({ ok: true });
		const open = await openAttempt(ctx.db, partWay.user, m1);
		if (!open.ok) throw new Error(open.reason);
		await submitAttempt(ctx.db, partWay.user, m1, open.attemptId, await answerKey(ctx.db, open.questions));
		const prompt = await ctx.db
			.selectFrom('reflection_prompts')
			.select('id')
			.where('module_id', '=', m1)
			.executeTakeFirstOrThrow();
		expect((await submitReflection(ctx.db, partWay.user, m1, prompt.id, REFLECTION)).ok).toBe(true);
		const sub = await ctx.db
			.selectFrom('reflection_submissions')
			.select('id')
			.where('enrollment_id', '=', partWay.enrollmentId)
			.executeTakeFirstOrThrow();
		expect(
			(
				await gradeReflection(ctx.db, facilitator, {
					submissionId: sub.id,
					outcome: 'needs_revision',
					feedback: FEEDBACK,
					rubric: {}
				})
			).ok
		).toBe(true);
		expect((await addCaseNote(ctx.db, facilitator, partWay.enrollmentId, NOTE)).ok).toBe(true);
		expect(
			(
				await extendDueDate(ctx.db, facilitator, partWay.enrollmentId, {
					newDueDate: '2099-06-01',
					orderReference: 'ORDER 2026-0417'
				})
			).ok
		).toBe(true);

		return { ...p, clerk, otherClerk, facilitator, admin, done, serial: so.serial, partWay };
	}

	const packet = async (who: UserIdentity, enrollmentId: string) => {
		const r = await evidencePacket(ctx.db, who, enrollmentId, 'http://127.0.0.1', '10.2.2.2');
		if (!r.ok) throw new Error(r.reason);
		return r;
	};

	describe('who may not', () => {
		it('refuses the participant himself, court staff of another court, and staff of another program, as "not found"', async () => {
			const w = await world();
			const elsewhere = await makeProgram(ctx.db);
			const outsiderFacilitator = await makeStaff(ctx.db, ['facilitator'], { programId: elsewhere.programId });
			const outsiderAdmin = await makeStaff(ctx.db, ['admin'], { programId: elsewhere.programId });
			const outsiderClerk = await makeStaff(ctx.db, ['court'], { courtId: elsewhere.courtId });
			for (const who of [
				w.done.user,
				w.partWay.user,
				w.otherClerk,
				outsiderFacilitator,
				outsiderAdmin,
				outsiderClerk
			]) {
				expect(await evidencePacket(ctx.db, who, w.done.enrollmentId, ORIGIN)).toEqual({
					ok: false,
					reason: 'not_found'
				});
			}
			expect(await evidencePacket(ctx.db, w.clerk, 'no-such-enrollment', ORIGIN)).toEqual({
				ok: false,
				reason: 'not_found'
			});
			const audited = await ctx.db
				.selectFrom('audit_log')
				.select('seq')
				.where('action', '=', 'record.packet')
				.execute();
			expect(audited).toEqual([]);
		});

		it('refuses an enrollment whose personal data was purged, even to its own court', async () => {
			const w = await world();
			const purged = await purgeEnrollment(ctx.db, {
				enrollmentId: w.done.enrollmentId,
				programId: w.programId,
				caseEndedAt: new Date().toISOString(),
				retentionDays: 30,
				dueAt: new Date().toISOString()
			});
			expect(purged.purged).toBe(true);
			for (const who of [w.clerk, w.facilitator, w.admin]) {
				expect(await evidencePacket(ctx.db, who, w.done.enrollmentId, ORIGIN)).toEqual({
					ok: false,
					reason: 'not_found'
				});
			}
		});
	});

	it('gives the referral’s court staff, and the program’s facilitator and admin, a PDF with embedded fonts', async () => {
		const w = await world();
		for (const who of [w.clerk, w.facilitator, w.admin]) {
			const r = await packet(who, w.done.enrollmentId);
			expect(r.pdf.subarray(0, 5).toString()).toBe('%PDF-');
			expect(r.fileName).toBe(`evidence-packet-${w.done.caseNumber.toUpperCase()}.pdf`);
		}
		const file = join(mkdtempSync(join(tmpdir(), 'packet-')), 'p.pdf');
		writeFileSync(file, (await packet(w.clerk, w.done.enrollmentId)).pdf);
		const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
		expect(fonts.length).toBeGreaterThan(0);
		for (const line of fonts) expect(line).toMatch(/\byes\s+yes\s+yes\b/); // emb sub uni
	});

	it('shows a finished participant’s case, standing, modules, scores, certificate and how to verify it', async () => {
		const w = await world();
		const text = pdfText((await packet(w.clerk, w.done.enrollmentId)).pdf);
		expect(text).toContain(w.done.caseNumber.toUpperCase());
		expect(text).toContain(w.done.legalName);
		expect(text).toContain(w.serial);
		expect(text).toContain('Completed');
		expect(text).toContain('1. Module 1');
		expect(text).toContain('2. Module 2');
		expect(text).toContain('100%');
		expect(text).toContain('Satisfactory');
		expect(text).toContain('Waived');
		expect(text).toContain(`Typed name "${w.done.legalName}"`);
		expect(text).toContain('http://127.0.0.1/verify');
		expect(text).toContain(`Certificate ${w.serial} issued`);
		expect(text).toContain('Completion signed off');
		expect(text).toMatch(/Page 1 of \d/);
		expect(text).toContain('(court staff)');
	});

	it('shows a part-way participant’s standing, extension and unlock, but never his words, feedback, unlock reasons or case notes', async () => {
		const w = await world();
		for (const who of [w.clerk, w.facilitator]) {
			const text = pdfText((await packet(who, w.partWay.enrollmentId)).pdf);
			expect(text).toContain(w.partWay.caseNumber.toUpperCase());
			expect(text).toContain('On track');
			expect(text).toContain('No certificate has been issued.');
			expect(text).toContain('ORDER 2026-0417');
			expect(text).toContain('June 1, 2099');
			expect(text).toContain('Module 1 quiz unlocked for one more attempt');
			expect(text).toContain('Returned for revision');
			expect(text).toContain('4 of 4'); // attempts used, with the unlock's extra one
			for (const secret of [
				REFLECTION.slice(0, 30),
				FEEDBACK.slice(0, 30),
				UNLOCK_REASON,
				NOTE.slice(0, 30),
				'Case note'
			]) {
				expect(text).not.toContain(secret);
			}
		}
		const finished = pdfText((await packet(w.clerk, w.done.enrollmentId)).pdf);
		expect(finished).not.toContain('Thoughtful and specific'); // the demo grader's feedback
		expect(finished).not.toContain('made me think about the choices'); // the demo reflection
		expect(finished).not.toContain(NOTE.slice(0, 30));
	});

	it('audits each download as a staff access, with ids only', async () => {
		const w = await world();
		await packet(w.clerk, w.done.enrollmentId);
		await packet(w.facilitator, w.done.enrollmentId);
		const rows = await ctx.db
			.selectFrom('audit_log')
			.select(['actor_id', 'target_type', 'target_id', 'ip', 'details_json'])
			.where('action', '=', 'record.packet')
			.orderBy('seq')
			.execute();
		expect(rows).toHaveLength(2);
		expect(rows[0]).toMatchObject({
			actor_id: w.clerk.id,
			target_type: 'enrollment',
			target_id: w.done.enrollmentId,
			ip: '10.2.2.2'
		});
		expect(JSON.parse(rows[0].details_json)).toEqual({
			as: 'court',
			number: expect.stringMatching(/^[A-Z0-9]+-EP-\d{4}-\d{6}$/),
			sha256: expect.stringMatching(/^[0-9a-f]{64}$/)
		});
		expect(JSON.parse(rows[1].details_json)).toMatchObject({ as: 'facilitator' });
		for (const r of rows) {
			expect(r.details_json).not.toContain(w.done.legalName);
			expect(r.details_json).not.toContain(w.done.caseNumber.toUpperCase());
		}
	});

	describe('signed and registered, so an upload can tell it genuine or altered', () => {
		const via = { method: 'upload' as const, userId: null, ip: '10.8.8.8' };

		it.skipIf(!hasTool('pdfsig'))(
			"carries the program's PDF signature, which pdfsig calls valid over the whole file",
			async () => {
				const w = await world();
				const r = await packet(w.clerk, w.done.enrollmentId);
				const out = spawnSync('pdfsig', [writeTemp(r.pdf, 'packet.pdf')], { encoding: 'utf8' }).stdout;
				expect(out).toContain('Signature is Valid.');
				expect(out).toMatch(/Signature Type: ETSI\.CAdES\.detached/);
				expect(out).toContain('Total document signed');
				// The same PAdES signature as a certificate's: certified (no changes allowed), with its validation data.
				const bytes = Buffer.from(r.pdf).toString('latin1');
				expect(bytes).toMatch(/\/TransformMethod\s*\/DocMDP/);
				expect(bytes).toMatch(/\/DSS\s*<<\s*\/Certs\s*\[\s*\d+ 0 R/);
				// The certificates' own signer (the program's CA issued it).
				expect(out).toContain('Signer Certificate Common Name: Test Program Certificate Signing');
				const changed = Buffer.from(r.pdf);
				changed[Math.floor(changed.length / 3)] ^= 1;
				expect(spawnSync('pdfsig', [writeTemp(changed, 'changed.pdf')], { encoding: 'utf8' }).stdout).not.toContain(
					'Signature is Valid.'
				);
			}
		);

		it('registers each packet with its number, hash, court, enrollment, time and maker, and prints the number', async () => {
			const w = await world();
			const a = await packet(w.clerk, w.done.enrollmentId);
			const b = await packet(w.facilitator, w.done.enrollmentId);
			expect(a.number).not.toBe(b.number);
			const rows = await ctx.db.selectFrom('evidence_packets').selectAll().orderBy('number').execute();
			expect(rows).toEqual([
				expect.objectContaining({
					number: a.number,
					sha256: createHash('sha256').update(a.pdf).digest('hex'),
					court_id: w.courtId,
					enrollment_id: w.done.enrollmentId,
					made_by: w.clerk.id,
					made_as: 'court',
					program_id: w.programId
				}),
				expect.objectContaining({ number: b.number, made_by: w.facilitator.id, made_as: 'facilitator' })
			]);
			expect(pdfText(a.pdf)).toContain(`Packet number ${a.number}`);
		});

		it('says "genuine evidence packet" on upload without naming the participant, and "altered" for a changed copy', async () => {
			const w = await world();
			const r = await packet(w.clerk, w.done.enrollmentId);
			const ok = await verifyUpload(ctx.db, new Uint8Array(r.pdf), via);
			expect(ok).toMatchObject({
				outcome: 'packet',
				match: true,
				certificate: null,
				packet: { number: r.number, madeAs: 'court', court: expect.any(String), madeAt: expect.any(String) }
			});
			const said = JSON.stringify(ok);
			expect(said).not.toContain(w.done.legalName);
			expect(said).not.toContain(w.done.caseNumber.toUpperCase());
			expect(said).not.toContain(w.clerk.name + ' ');

			// One byte of the content changed (the signature then fails too): the keywords still name the packet.
			const text = Buffer.from(r.pdf).toString('latin1');
			const at = text.indexOf('stream', text.indexOf(' obj')) + 20; // inside the first stream's data
			const altered = Buffer.from(r.pdf);
			altered[at] ^= 1;
			const bad = await verifyUpload(ctx.db, new Uint8Array(altered), via);
			expect(bad).toMatchObject({
				outcome: 'altered',
				match: false,
				certificate: null,
				reason: expect.stringContaining(`court evidence packet ${r.number}`)
			});
			const logged = await ctx.db
				.selectFrom('verification_log')
				.select(['outcome', 'serial', 'certificate_id'])
				.orderBy('seq')
				.execute();
			expect(logged).toEqual([
				{ outcome: 'packet', serial: r.number, certificate_id: null },
				{ outcome: 'packet_altered', serial: r.number, certificate_id: null }
			]);
		});

		it('makes no packet without the signing keys, and registers nothing', async () => {
			const w = await world();
			useSigningKeys(null);
			try {
				expect(await evidencePacket(ctx.db, w.clerk, w.done.enrollmentId, ORIGIN)).toMatchObject({
					ok: false,
					reason: 'no_keys'
				});
			} finally {
				await useTestKeys(ctx.db);
			}
			expect(await ctx.db.selectFrom('evidence_packets').select('id').execute()).toEqual([]);
		});
	});
});
