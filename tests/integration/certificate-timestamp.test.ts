// The registry records whether and when a certificate's PDF signature was time-stamped (migration
// 0022), from a real sign-off through the worker thread to a real RFC 3161 TSA (scripts/test-tsa.mjs);
// the verification answer says so, and says "no independent time" when there is none; the file's DSS
// holds the TSA chain's CRLs. The start-up warning without a TSA, and a TSA_CA_FILE that cannot be used.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { startTestTsa } from '../../scripts/test-tsa.mjs';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import {
	ensureSigningReady,
	signingKeys,
	timeStampingWarnings,
	useSigningKeys
} from '../../src/lib/server/certificates/certificate-keys';
import { generateKeys, loadKeys } from '../../src/lib/server/certificates/keys-folder';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { activate } from '../../src/lib/server/enrollment/activation.service';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { today } from '../../src/lib/server/clock';
import {
	makeCurriculum,
	makeProgram,
	makeStaff,
	TEST_PASSWORD,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { findIdentity } from '../../src/lib/server/users/users.queries';
import { certificateJson } from '../../src/lib/server/verification/api';
import { publicView } from '../../src/lib/server/verification/verification.service';
import { pemToDer } from '../../src/lib/server/certificates/x509';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

let tsa: Awaited<ReturnType<typeof startTestTsa>>;
const tmp = mkdtempSync(join(tmpdir(), 'js-ts-reg-'));
beforeAll(async () => {
	tsa = await startTestTsa();
}, 60_000);
afterAll(async () => {
	await tsa?.close();
	rmSync(tmp, { recursive: true, force: true });
});

forEachDb('certificate time-stamps in the registry', (ctx) => {
	async function signedOff(withTsa: boolean) {
		await useTestKeys(ctx.db);
		const k = signingKeys();
		if (!k.ok) throw new Error(k.problem);
		useSigningKeys(
			k.keys,
			null,
			withTsa ? { url: tsa.url, timeoutMs: 5_000, trustedCaDer: [pemToDer(tsa.caPem)] } : null
		);
		const p = await makeProgram(ctx.db, { seatTimePercent: 50 });
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const n = Math.random().toString(36).slice(2, 8);
		const caseNumber = `62-CR-26-${n.toUpperCase()}`;
		const ref = await createReferral(ctx.db, clerk, {
			legalName: 'Tomás Okafor',
			dateOfBirth: '1980-01-01',
			caseNumber,
			courtId: p.courtId,
			referralDate: today(),
			dueDate: '2099-01-01',
			offence: null,
			offenceDate: null
		});
		if (!ref.ok) throw new Error(ref.reason);
		const act = await activate(ctx.db, {
			code: ref.code,
			dateOfBirth: '1980-01-01',
			caseNumber,
			email: `p-${n}@participant.test`,
			password: TEST_PASSWORD,
			noticeAcknowledged: true,
			ip: '10.0.0.9'
		});
		if (!act.ok) throw new Error(act.reason);
		const user = (await findIdentity(ctx.db, act.userId))!;
		await completeModules(ctx.db, user, facilitator, Infinity);
		await ctx.db.updateTable('enrollments').set({ fee_status: 'waived' }).where('id', '=', ref.enrollmentId).execute();
		expect(await attest(ctx.db, user, { typedName: 'Tomás Okafor', confirmed: true })).toEqual({ ok: true });
		const so = await signOff(ctx.db, facilitator, ref.enrollmentId, 'http://test.invalid');
		if (!so.ok) throw new Error(so.reason);
		return ctx.db.selectFrom('certificates').selectAll().where('serial', '=', so.serial).executeTakeFirstOrThrow();
	}

	it('records no time-stamp, and says there is no independent time, when no TSA is configured', async () => {
		const row = await signedOff(false);
		expect(row.timestamped_at).toBeNull();
		expect(certificateJson(await publicView(ctx.db, row)).timestampedAt).toBeNull();
		expect(timeStampingWarnings()).toEqual([
			expect.stringMatching(/^No time-stamping authority is configured \(TSA_URL\)/)
		]);
	});

	it('records the TSA’s time of a certificate signed off with a TSA, and the verification answer gives it', async () => {
		const before = tsa.requests;
		const row = await signedOff(true);
		expect(tsa.requests).toBeGreaterThan(before);
		expect(row.timestamped_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
		expect(Math.abs(new Date(row.timestamped_at!).getTime() - new Date(row.issued_at).getTime())).toBeLessThan(60_000);
		expect(certificateJson(await publicView(ctx.db, row)).timestampedAt).toBe(row.timestamped_at);
		expect(timeStampingWarnings()).toEqual([]);
		// The worker thread fetched the TSA chain's CRLs for the DSS too (PAdES B-LT for the time-stamp).
		const file = await ctx.db
			.selectFrom('certificate_files')
			.select('pdf')
			.where('certificate_id', '=', row.id)
			.executeTakeFirstOrThrow();
		const doc = await PDFDocument.load(file.pdf, { updateMetadata: false });
		const dss = doc.catalog.lookup(PDFName.of('DSS'), PDFDict);
		const crls = dss
			.lookup(PDFName.of('CRLs'), PDFArray)
			.asArray()
			.map((r) => Buffer.from((doc.context.lookup(r) as PDFRawStream).contents));
		for (const url of tsa.crlUrls) {
			const served = Buffer.from(await (await fetch(url)).arrayBuffer());
			expect(
				crls.some((c) => c.equals(served)),
				url
			).toBe(true);
		}
	});
});

it('refuses to issue, saying why, when TSA_CA_FILE holds no certificate', async () => {
	const dir = join(tmp, 'keys');
	generateKeys(dir, { programName: 'TSA Config Program' });
	loadKeys(dir);
	const bad = join(tmp, 'not-a-ca.pem');
	writeFileSync(bad, 'nothing here\n');
	vi.stubEnv('TSA_URL', tsa.url);
	vi.stubEnv('TSA_CA_FILE', bad);
	const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
	try {
		const { createTestDb } = await import('../../src/lib/server/testing/test-db');
		const h = await createTestDb('sqlite');
		try {
			expect(await ensureSigningReady(dir, h.db)).toBe(false);
			const k = signingKeys();
			expect(k.ok ? '' : k.problem).toMatch(/TSA_CA_FILE .*not-a-ca\.pem holds no PEM certificate/);
		} finally {
			await h.close();
		}
	} finally {
		vi.unstubAllEnvs();
		warn.mockRestore();
		useSigningKeys(null);
	}
});
