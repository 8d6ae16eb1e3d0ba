// Uploads to the verification check (POST /api/v1/certificates/verify and the /verify form) are
// anonymous. A file built to cost the server is answered as unreadable and is never parsed on the
// calling thread; every answer counts toward the address's limits ("altered" included, so a forged
// title cannot be asked about without end); nothing a file makes the PDF library say reaches the log;
// and genuine certificates verify as before.
import { afterEach, expect, it, vi } from 'vitest';
import {
	contentStreamBomb,
	manyObjects,
	objectStreamBomb,
	titled,
	warningBait
} from '../../scripts/bench-hostile-pdfs.mjs';
import { reissueCertificate, revokeCertificate } from '../../src/lib/server/certificates/registry.service';
import { clock } from '../../src/lib/server/clock';
import { purgeDue } from '../../src/lib/server/privacy/retention';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { closePdfReader } from '../../src/lib/server/verification/pdf-reader-pool';
import { verifyUpload } from '../../src/lib/server/verification/verification.service';
import { certify, forEachDb } from '../../src/lib/server/testing/db-tests';

// Counts PDF parses on this thread: the PDF reader thread has a module graph of its own, so its
// parses never reach this counter (the same structural check as certificates/worker-pool.test.ts).
const mainThreadLoads = vi.hoisted(() => ({ n: 0 }));
vi.mock('pdf-lib', async (load) => {
	const actual = await load<typeof import('pdf-lib')>();
	const PDFDocument = Object.create(actual.PDFDocument, {
		load: {
			value: (...args: Parameters<typeof actual.PDFDocument.load>) => {
				mainThreadLoads.n++;
				return actual.PDFDocument.load(...args);
			}
		}
	});
	return { ...actual, PDFDocument };
});

const DAY = 86_400_000;
const from = (ip: string) => ({ method: 'api' as const, userId: null, ip });

forEachDb('verification by upload', (ctx) => {
	afterEach(() => clock.set(null));

	async function issued() {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db, { retentionDays: 365 });
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		const pat = await makeParticipant(ctx.db, clerk, p.courtId);
		const so = await certify(ctx.db, pat, facilitator);
		return { ...p, admin, pat, certificateId: so.certificateId, serial: so.serial, pdf: await file(so.certificateId) };
	}
	async function file(certificateId: string) {
		const row = await ctx.db
			.selectFrom('certificate_files')
			.select('pdf')
			.where('certificate_id', '=', certificateId)
			.executeTakeFirstOrThrow();
		return new Uint8Array(row.pdf);
	}
	const logged = async () =>
		(await ctx.db.selectFrom('verification_log').select(['outcome', 'serial']).orderBy('at').execute()).map(
			(r) => r.outcome
		);

	it('answers an object stream that inflates to 480 MB as unreadable, logs it so, and never parses it on this thread', async () => {
		const before = mainThreadLoads.n;
		const r = await verifyUpload(ctx.db, objectStreamBomb(480), from('10.20.0.1'));
		expect(r).toMatchObject({
			outcome: 'unreadable',
			certificate: null,
			match: false,
			reason: expect.stringMatching(/could not be read/)
		});
		expect(mainThreadLoads.n, 'a PDF was parsed on the calling thread').toBe(before);
		expect(await logged()).toEqual(['unreadable']);
	});

	it('answers a file of 200,000 objects as unreadable, without parsing it on this thread', async () => {
		const before = mainThreadLoads.n;
		const r = await verifyUpload(ctx.db, manyObjects(), from('10.20.0.2'));
		expect(r).toMatchObject({ outcome: 'unreadable', match: false });
		expect(mainThreadLoads.n, 'a PDF was parsed on the calling thread').toBe(before);
	});

	it('reads no further than the information dictionary: a content stream that inflates to 480 MB is simply not a certificate', async () => {
		const before = mainThreadLoads.n;
		expect(await verifyUpload(ctx.db, contentStreamBomb(480), from('10.20.0.3'))).toMatchObject({
			outcome: 'unknown',
			match: false,
			reason: 'No certificate was issued with this file.'
		});
		expect(mainThreadLoads.n).toBe(before);
	});

	it('counts "altered" toward the address limit: after 20 forged titles naming a real serial, the address is refused', async () => {
		const s = await issued();
		clock.set(new Date());
		const forged = titled(s.serial);
		for (let i = 0; i < 20; i++)
			expect((await verifyUpload(ctx.db, forged, from('10.20.1.1'))).outcome, `upload ${i + 1}`).toBe('altered');
		expect(await verifyUpload(ctx.db, forged, from('10.20.1.1'))).toMatchObject({
			outcome: 'rate_limited',
			retryAfter: 900
		});
		// The block covers the address, whatever it sends next; another address is answered.
		expect((await verifyUpload(ctx.db, s.pdf, from('10.20.1.1'))).outcome).toBe('rate_limited');
		expect((await verifyUpload(ctx.db, forged, from('10.20.1.2'))).outcome).toBe('altered');
	});

	it('answers no more than 20 failed checks from one address when 30 forged uploads arrive at once', async () => {
		const s = await issued();
		const forged = titled(s.serial);
		const answers = await Promise.all(
			Array.from({ length: 30 }, () => verifyUpload(ctx.db, forged, from('10.20.2.1')))
		);
		expect(answers.filter((a) => a.outcome === 'altered')).toHaveLength(20);
		expect(answers.filter((a) => a.outcome === 'rate_limited')).toHaveLength(10);
	});

	it('counts unknown, unreadable and not-a-PDF answers as failed checks too', async () => {
		const ip = '10.20.3.1';
		const kinds = [Buffer.from('a letter, not a PDF'), titled('ZZ-2026-999999'), objectStreamBomb(16)];
		for (let i = 0; i < 20; i++)
			expect((await verifyUpload(ctx.db, kinds[i % 3], from(ip))).outcome).not.toBe('rate_limited');
		expect((await verifyUpload(ctx.db, kinds[0], from(ip))).outcome).toBe('rate_limited');
		expect(new Set(await logged())).toEqual(new Set(['not_pdf', 'unknown', 'unreadable']));
	});

	it('refuses the 61st upload from one address within 15 minutes, genuine ones included, and answers again after the block', async () => {
		const s = await issued();
		clock.set(new Date());
		for (let i = 0; i < 60; i++)
			expect((await verifyUpload(ctx.db, s.pdf, from('10.20.4.1'))).outcome, `upload ${i + 1}`).toBe('valid');
		expect(await verifyUpload(ctx.db, s.pdf, from('10.20.4.1'))).toMatchObject({
			outcome: 'rate_limited',
			retryAfter: 900
		});
		expect((await verifyUpload(ctx.db, s.pdf, from('10.20.4.2'))).outcome).toBe('valid');
		clock.advance(15 * 60_000 + 1000);
		expect((await verifyUpload(ctx.db, s.pdf, from('10.20.4.1'))).outcome).toBe('valid');
	});

	it('prints nothing to the server log for a file that makes the PDF library warn', async () => {
		const printed: string[] = [];
		const spies = [
			vi
				.spyOn(process.stdout, 'write')
				.mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)),
			vi
				.spyOn(process.stderr, 'write')
				.mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)),
			...(['log', 'info', 'warn', 'error', 'debug'] as const).map((k) =>
				vi.spyOn(console, k).mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')))
			)
		];
		try {
			const r = await verifyUpload(ctx.db, warningBait(), from('10.20.5.1'));
			expect(r).toMatchObject({ outcome: 'unknown', match: false });
			// Ending the reader thread delivers anything it wrote before it exits.
			await closePdfReader();
		} finally {
			spies.forEach((s) => s.mockRestore());
		}
		expect(printed).toEqual([]);
	});

	it('still verifies genuine certificates (valid, superseded, revoked, after the purge) and calls a changed one altered', async () => {
		const s = await issued();
		const before = mainThreadLoads.n;
		const ip = from('10.20.6.1');
		expect(await verifyUpload(ctx.db, s.pdf, ip)).toMatchObject({
			outcome: 'valid',
			match: true,
			certificate: { serial: s.serial }
		});

		const changed = Buffer.from(s.pdf);
		// One byte inside the page's compressed content: what a forger changing a printed fact touches.
		changed[changed.indexOf('stream', changed.indexOf('/FlateDecode')) + 'stream\n'.length + 40] ^= 0x01;
		expect(await verifyUpload(ctx.db, changed, ip)).toMatchObject({
			outcome: 'altered',
			match: false,
			reason: expect.stringContaining(s.serial)
		});

		const re = await reissueCertificate(
			ctx.db,
			s.admin,
			s.certificateId,
			{
				legalName: 'Patrick Tester',
				dateOfBirth: s.pat.dateOfBirth,
				caseNumber: s.pat.caseNumber,
				offence: null,
				reason: 'Name misspelled'
			},
			'http://test.invalid'
		);
		if (!re.ok) throw new Error(re.reason);
		const fresh = await file(re.certificateId);
		expect(await verifyUpload(ctx.db, s.pdf, ip)).toMatchObject({
			outcome: 'superseded',
			match: true,
			certificate: { supersededBy: re.serial }
		});
		expect(await revokeCertificate(ctx.db, s.admin, re.certificateId, 'Entered in error')).toEqual({ ok: true });
		expect(await verifyUpload(ctx.db, fresh, ip)).toMatchObject({
			outcome: 'revoked',
			match: true,
			certificate: { revokeReason: 'Entered in error' }
		});

		expect((await purgeDue(ctx.db, new Date(clock.now().getTime() + 366 * DAY))).purged).toBe(1);
		expect(await verifyUpload(ctx.db, s.pdf, ip)).toMatchObject({
			outcome: 'superseded',
			match: true,
			certificate: { personalDataRemovedAt: expect.any(String) }
		});
		// Issued files are matched by their hash, a changed one by the byte scan: no PDF parse anywhere.
		expect(mainThreadLoads.n).toBe(before);
	});
});
