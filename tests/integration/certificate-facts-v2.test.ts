// Certificate facts version 2: what 16 TAC §92.51 asks a completion certificate to state, gathered
// from the records at sign-off and reissue, signed over RFC 8785 (JCS); the JSON API serves the exact
// signed bytes; names typed with decomposed accents are stored and signed composed (NFC); version 1
// certificates keep verifying with their own rule; migration 0018 numbers the existing referrals.
import { createPublicKey, verify } from 'node:crypto';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import * as m0018 from '../../db/migrations/0018_certificate_facts_v2';
import { completeModules } from '../../src/lib/server/testing/walk-course';
import {
	ATTESTATION_TEXT,
	type CertificateFacts,
	type CertificateFactsV1,
	type CertificateFactsV2
} from '../../src/lib/domain/certificate-facts';
import { jcs } from '../../src/lib/domain/jcs';
import { setCertificateDetails } from '../../src/lib/server/admin/program-settings.service';
import { signingKeys } from '../../src/lib/server/certificates/certificate-keys';
import { hashVerificationCode, registerCertificate } from '../../src/lib/server/certificates/issue';
import { produceCertificate } from '../../src/lib/server/certificates/produce';
import { reissueCertificate } from '../../src/lib/server/certificates/registry.service';
import { attest, signOff } from '../../src/lib/server/completion/completion.service';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { activate } from '../../src/lib/server/enrollment/activation.service';
import { today } from '../../src/lib/server/clock';
import {
	makeCurriculum,
	makeParticipant,
	makeProgram,
	makeStaff,
	TEST_PASSWORD,
	useTestKeys
} from '../../src/lib/server/testing/factories';
import { findIdentity } from '../../src/lib/server/users/users.queries';
import { createStaffUser } from '../../src/lib/server/users/users.service';
import { certificateJson } from '../../src/lib/server/verification/api';
import { verifyByCode } from '../../src/lib/server/verification/verification.service';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const NFC_NAME = 'José Ramírez-Nguyễn';
const NFD_NAME = NFC_NAME.normalize('NFD');
const CODE = 'known-code-for-the-facts-test';
const viaApi = { method: 'api' as const, userId: null, ip: '10.7.7.7' };

forEachDb('certificate facts v2', (ctx) => {
	async function world(settings: Record<string, unknown> = {}) {
		await useTestKeys(ctx.db);
		const p = await makeProgram(ctx.db, { seatTimePercent: 50, ...settings });
		await makeCurriculum(ctx.db, p.slug, 2);
		await ctx.db.updateTable('courts').set({ county: 'Ramsey' }).where('id', '=', p.courtId).execute();
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: p.programId });
		await ctx.db.updateTable('users').set({ title: 'Program Facilitator' }).where('id', '=', facilitator.id).execute();
		const admin = await makeStaff(ctx.db, ['admin'], { programId: p.programId });
		return { ...p, clerk, facilitator, admin };
	}
	type World = Awaited<ReturnType<typeof world>>;

	/** Referred (with the name as typed), activated, course done, attested (name typed the same way), signed off. */
	async function certified(w: World, typed: { name: string; offenceDate?: string | null; caseNumber?: string }) {
		const n = Math.random().toString(36).slice(2, 8);
		const caseNumber = typed.caseNumber ?? `62-CR-26-${n.toUpperCase()}`;
		const ref = await createReferral(ctx.db, w.clerk, {
			legalName: typed.name,
			dateOfBirth: '1980-01-01',
			caseNumber,
			courtId: w.courtId,
			referralDate: today(),
			dueDate: '2099-01-01',
			offence: 'Minn. Stat. § 609.324, subd. 3',
			offenceDate: typed.offenceDate ?? null
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
		await completeModules(ctx.db, user, w.facilitator, Infinity);
		await ctx.db.updateTable('enrollments').set({ fee_status: 'waived' }).where('id', '=', ref.enrollmentId).execute();
		expect(await attest(ctx.db, user, { typedName: typed.name, confirmed: true })).toEqual({ ok: true });
		const so = await signOff(ctx.db, w.facilitator, ref.enrollmentId, 'http://test.invalid');
		if (!so.ok) throw new Error(so.reason);
		await ctx.db
			.updateTable('certificates')
			.set({ code_hash: hashVerificationCode(CODE) })
			.where('id', '=', so.certificateId)
			.execute();
		return { ...so, enrollmentId: ref.enrollmentId, registrationNumber: ref.registrationNumber, caseNumber };
	}

	async function apiAnswer(serial: string) {
		const r = await verifyByCode(ctx.db, serial, CODE, viaApi);
		if (r.outcome === 'rate_limited' || !r.certificate) throw new Error(`no certificate ${serial}: ${r.outcome}`);
		return certificateJson(r.certificate);
	}

	/** What a verifier does with the API's answer: check the signature over the served bytes, with the key /api/v1/keys serves. */
	async function signatureHolds(json: Awaited<ReturnType<typeof apiAnswer>>): Promise<boolean> {
		const key = await ctx.db
			.selectFrom('signing_keys')
			.select('public_pem')
			.where('id', '=', json.keyId)
			.executeTakeFirstOrThrow();
		return verify(
			null,
			Buffer.from(json.signedFacts!, 'base64'),
			createPublicKey(key.public_pem),
			Buffer.from(json.signature, 'base64')
		);
	}

	it('refuses an offence date after the referral date, and certificate details from an admin of another program', async () => {
		const w = await world();
		const r = await createReferral(ctx.db, w.clerk, {
			legalName: 'Late Offence',
			dateOfBirth: '1980-01-01',
			caseNumber: '62-CR-26-LATE',
			courtId: w.courtId,
			referralDate: '2026-03-01',
			dueDate: '2099-01-01',
			offenceDate: '2026-03-02'
		});
		expect(r).toEqual({ ok: false, reason: 'offence_after_referral' });
		const other = await makeProgram(ctx.db);
		const outsider = await makeStaff(ctx.db, ['admin'], { programId: other.programId });
		for (const who of [outsider, w.facilitator, w.clerk]) {
			expect(
				await setCertificateDetails(ctx.db, who, w.programId, {
					courseName: 'X',
					courseNumber: null,
					providerId: null,
					providerPhone: null
				})
			).toEqual({ ok: false, reason: 'not_found' });
		}
	});

	it('gathers the 16 TAC §92.51 facts at sign-off and signs them with RFC 8785', async () => {
		const w = await world();
		expect(
			await setCertificateDetails(ctx.db, w.admin, w.programId, {
				courseName: null,
				courseNumber: 'OPP-101',
				providerId: 'MN-PROV-0042',
				providerPhone: '651-555-0100'
			})
		).toEqual({ ok: true, changed: true });
		const c = await certified(w, { name: NFC_NAME, offenceDate: '2026-01-15' });
		const json = await apiAnswer(c.serial);
		const facts = json.facts as CertificateFactsV2;
		expect(facts).toMatchObject({
			v: 2,
			serial: c.serial,
			participantName: NFC_NAME,
			courseName: 'Test curriculum',
			courseNumber: 'OPP-101',
			providerId: 'MN-PROV-0042',
			providerPhone: '651-555-0100',
			provider: 'Test Provider',
			registrationNumber: c.registrationNumber,
			court: 'Test District Court',
			county: 'Ramsey',
			caseNumber: c.caseNumber,
			offence: 'Minn. Stat. § 609.324, subd. 3',
			offenceDate: '2026-01-15',
			// Two modules of 600 s minimum at the program's 50 %.
			requiredSeconds: 600,
			signedOffBy: 'Staff Member',
			signedOffByTitle: 'Program Facilitator',
			replacesSerial: null,
			attestationText: ATTESTATION_TEXT,
			attestation: { name: NFC_NAME }
		});
		expect(facts.attestationText).toMatch(/under penalty of law/);
		expect(facts.seatSeconds).toBeGreaterThanOrEqual(facts.requiredSeconds);
		expect(c.registrationNumber).toMatch(/^T[A-Z0-9]{6}-P-\d{6}$/);
		// The served bytes are the JCS of the facts, the signature holds over them, and one changed byte breaks it.
		const bytes = Buffer.from(json.signedFacts!, 'base64');
		expect(bytes.toString('utf8')).toBe(jcs(facts));
		expect(await signatureHolds(json)).toBe(true);
		bytes[bytes.indexOf('"county":"Ramsey"') + 10] ^= 0x20;
		expect(await signatureHolds({ ...json, signedFacts: bytes.toString('base64') })).toBe(false);
	});

	it('stores and signs a name typed with decomposed accents exactly as one typed composed', async () => {
		const w = await world();
		const typedNfd = await certified(w, { name: NFD_NAME });
		const typedNfc = await certified(w, { name: NFC_NAME });
		for (const c of [typedNfd, typedNfc]) {
			const row = await ctx.db
				.selectFrom('enrollments')
				.select(['legal_name', 'attestation_name'])
				.where('id', '=', c.enrollmentId)
				.executeTakeFirstOrThrow();
			expect(row).toEqual({ legal_name: NFC_NAME, attestation_name: NFC_NAME });
			const json = await apiAnswer(c.serial);
			expect(await signatureHolds(json)).toBe(true);
			expect(Buffer.from(json.signedFacts!, 'base64').toString('utf8')).toContain(`"participantName":"${NFC_NAME}"`);
		}
		// Staff names too.
		const r = await createStaffUser(ctx.db, null, {
			email: 'nfd@staff.test',
			name: 'Zoe\u0308 Ma\u0301rquez',
			title: 'Program Facilitator',
			password: TEST_PASSWORD,
			roles: ['facilitator'],
			programIds: [w.programId],
			courtIds: []
		});
		if (!r.ok) throw new Error(r.reason);
		expect(await ctx.db.selectFrom('users').select('name').where('id', '=', r.id).executeTakeFirstOrThrow()).toEqual({
			name: 'Zoë Márquez'
		});
	});

	it('numbers referrals per program, in order, never twice', async () => {
		const w = await world();
		const other = await world();
		const numbers: string[] = [];
		for (let i = 0; i < 3; i++) {
			const r = await createReferral(ctx.db, w.clerk, {
				legalName: `Person ${i}`,
				dateOfBirth: '1980-01-01',
				caseNumber: `62-CR-26-N${i}`,
				courtId: w.courtId,
				referralDate: today(),
				dueDate: '2099-01-01'
			});
			if (!r.ok) throw new Error(r.reason);
			numbers.push(r.registrationNumber);
		}
		const prefix = numbers[0].split('-P-')[0];
		expect(numbers).toEqual([1, 2, 3].map((n) => `${prefix}-P-00000${n}`));
		// A refused referral (its case number taken) uses no number.
		expect(
			(
				await createReferral(ctx.db, w.clerk, {
					legalName: 'Again',
					dateOfBirth: '1980-01-01',
					caseNumber: '62-CR-26-N0',
					courtId: w.courtId,
					referralDate: today(),
					dueDate: '2099-01-01'
				})
			).ok
		).toBe(false);
		const next = await createReferral(ctx.db, w.clerk, {
			legalName: 'Fourth',
			dateOfBirth: '1980-01-01',
			caseNumber: '62-CR-26-N4',
			courtId: w.courtId,
			referralDate: today(),
			dueDate: '2099-01-01'
		});
		expect(next.ok && next.registrationNumber).toBe(`${prefix}-P-000004`);
		const theirs = await createReferral(ctx.db, other.clerk, {
			legalName: 'Elsewhere',
			dateOfBirth: '1980-01-01',
			caseNumber: '62-CR-26-N0',
			courtId: other.courtId,
			referralDate: today(),
			dueDate: '2099-01-01'
		});
		expect(theirs.ok && theirs.registrationNumber).toMatch(/-P-000001$/);
		expect(theirs.ok && theirs.registrationNumber).not.toBe(numbers[0]);
	});

	it('reissues with the serial it replaces, the corrected offence date, and the completion facts carried over', async () => {
		const w = await world();
		const c = await certified(w, { name: NFC_NAME, offenceDate: '2026-01-15' });
		const before = (await apiAnswer(c.serial)).facts as CertificateFactsV2;
		// Settings changed after issue do not change what the reissue carries over.
		await setCertificateDetails(ctx.db, w.admin, w.programId, {
			courseName: 'Renamed course',
			courseNumber: null,
			providerId: null,
			providerPhone: null
		});
		const r = await reissueCertificate(
			ctx.db,
			w.admin,
			c.certificateId,
			{
				legalName: `${NFD_NAME} Jr.`,
				dateOfBirth: '1980-01-01',
				caseNumber: c.caseNumber,
				offence: before.offence,
				offenceDate: '2026-01-14',
				reason: 'Suffix and offence date wrong on the referral'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		await ctx.db
			.updateTable('certificates')
			.set({ code_hash: hashVerificationCode(CODE) })
			.where('id', '=', r.certificateId)
			.execute();
		const json = await apiAnswer(r.serial);
		expect(await signatureHolds(json)).toBe(true);
		const { serial: _s, participantName: _n, offenceDate: _o, replacesSerial: _r, issuedAt: _i, ...carried } = before;
		expect(json.facts).toEqual({
			...carried,
			serial: r.serial,
			participantName: `${NFC_NAME} Jr.`,
			offenceDate: '2026-01-14',
			replacesSerial: c.serial,
			issuedAt: json.issuedAt
		});
		const correction = await ctx.db
			.selectFrom('certificate_corrections')
			.select('changes_json')
			.where('serial', '=', r.serial)
			.executeTakeFirstOrThrow();
		expect(JSON.parse(correction.changes_json).map((x: { field: string }) => x.field)).toEqual([
			'legal_name',
			'offence_date'
		]);
	});

	/** A certificate as version 1 issued it: its name stored decomposed, as some keyboards sent it then. */
	async function versionOne(w: World) {
		const pat = await makeParticipant(ctx.db, w.clerk, w.courtId);
		await completeModules(ctx.db, pat.user, w.facilitator, Infinity);
		await ctx.db
			.updateTable('enrollments')
			.set({
				fee_status: 'waived',
				legal_name: NFD_NAME,
				attestation_name: NFD_NAME,
				attestation_text: ATTESTATION_TEXT,
				attested_at: '2026-05-04T13:55:02.000Z',
				status: 'completed',
				completed_at: '2026-05-04T14:00:00.000Z'
			})
			.where('id', '=', pat.enrollmentId)
			.execute();
		await ctx.db
			.insertInto('signoffs')
			.values({
				enrollment_id: pat.enrollmentId,
				facilitator_id: w.facilitator.id,
				checklist_json: '[]',
				signed_at: '2026-05-04T14:00:00.000Z',
				serial: 'V1-2026-000001'
			})
			.execute();
		const k = signingKeys();
		if (!k.ok) throw new Error(k.problem);
		const facts: CertificateFactsV1 = {
			v: 1,
			serial: 'V1-2026-000001',
			program: 'Test Program',
			provider: 'Test Provider',
			participantName: NFD_NAME,
			dateOfBirth: pat.dateOfBirth,
			court: 'Test District Court',
			caseNumber: pat.caseNumber,
			offence: null,
			curriculumVersion: '1.0',
			completedAt: '2026-05-04',
			seatSeconds: 1260,
			attestation: { name: NFD_NAME, signedAt: '2026-05-04T13:55:02.000Z' },
			signedOffBy: 'Staff Member',
			issuedAt: '2026-05-04T14:03:09.000Z',
			keyId: k.keys.ed25519.keyId
		};
		const job = {
			facts,
			code: CODE,
			verifyUrl: `http://test.invalid/verify/${facts.serial}?code=${CODE}`,
			ed25519PrivateKey: k.keys.ed25519.privateKey,
			signing: { p12: k.keys.pdf.p12, passphrase: k.keys.pdf.passphrase },
			pdfSignature: {
				reason: 'test',
				name: 'Test Provider',
				location: 'Test Program',
				contactInfo: 'http://test.invalid',
				signingTime: new Date(facts.issuedAt)
			}
		};
		const out = await produceCertificate(job);
		const id = `v1-${Math.random().toString(36).slice(2, 10)}`;
		await ctx.db.transaction().execute((trx) =>
			registerCertificate(
				trx,
				{
					id,
					facts,
					code: CODE,
					signature: out.signature,
					pdf: out.pdf,
					sha256: out.sha256,
					timestampedAt: out.timestampedAt,
					ed25519KeyId: k.keys.ed25519.keyId,
					pdfKeyId: k.keys.pdf.keyId
				},
				{ enrollmentId: pat.enrollmentId, programId: w.programId, courtId: w.courtId, issuedBy: w.facilitator.id }
			)
		);
		return { id, serial: facts.serial, pat };
	}

	it('keeps verifying a version 1 certificate: the served bytes are its own canonical form, in NFC', async () => {
		const w = await world();
		const v1 = await versionOne(w);
		const json = await apiAnswer(v1.serial);
		expect(await signatureHolds(json)).toBe(true);
		const bytes = Buffer.from(json.signedFacts!, 'base64').toString('utf8');
		// Version 1's rule: keys sorted, strings NFC, JSON.stringify. The stored record is decomposed; the signed bytes are not.
		expect(bytes.startsWith('{"attestation":{"name":"' + NFC_NAME + '","signedAt":')).toBe(true);
		expect((json.facts as CertificateFacts).participantName).toBe(NFC_NAME);
		expect(json.facts).toEqual(JSON.parse(bytes));
	});

	it('reissues a version 1 certificate as version 2, taking the facts version 1 never had from the records', async () => {
		const w = await world({ courseNumber: 'OPP-101' });
		const v1 = await versionOne(w);
		const r = await reissueCertificate(
			ctx.db,
			w.admin,
			v1.id,
			{
				legalName: NFC_NAME,
				dateOfBirth: v1.pat.dateOfBirth,
				caseNumber: v1.pat.caseNumber,
				offence: null,
				reason: 'Second surname missing'
			},
			'http://test.invalid'
		);
		if (!r.ok) throw new Error(r.reason);
		await ctx.db
			.updateTable('certificates')
			.set({ code_hash: hashVerificationCode(CODE) })
			.where('id', '=', r.certificateId)
			.execute();
		const json = await apiAnswer(r.serial);
		expect(await signatureHolds(json)).toBe(true);
		expect(json.facts).toMatchObject({
			v: 2,
			replacesSerial: v1.serial,
			completedAt: '2026-05-04',
			seatSeconds: 1260,
			courseName: 'Test curriculum',
			courseNumber: 'OPP-101',
			county: 'Ramsey',
			requiredSeconds: 600,
			signedOffByTitle: 'Program Facilitator',
			attestation: { name: NFC_NAME },
			attestationText: ATTESTATION_TEXT
		});
		expect((await apiAnswer(v1.serial)).status).toBe('superseded');
		expect(await signatureHolds(await apiAnswer(v1.serial))).toBe(true);
	});

	it('migration 0018 numbers existing referrals per program in the order they were made, and puts their text in NFC', async () => {
		const w = await world();
		const other = await world();
		const made: { id: string; program: string }[] = [];
		for (const [i, who] of [w, other, w, w].entries()) {
			const r = await createReferral(ctx.db, who.clerk, {
				legalName: `Old Referral ${i}`,
				dateOfBirth: '1980-01-01',
				caseNumber: `62-CR-25-${i}`,
				courtId: who.courtId,
				referralDate: today(),
				dueDate: '2099-01-01'
			});
			if (!r.ok) throw new Error(r.reason);
			made.push({ id: r.enrollmentId, program: who.programId });
			await ctx.db
				.updateTable('enrollments')
				.set({ created_at: `2025-01-0${i + 1}T00:00:00.000Z` })
				.where('id', '=', r.enrollmentId)
				.execute();
		}
		const db = ctx.db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
		await m0018.down(db);
		// As the data stood before 0018: a decomposed name, an attestation without its text.
		await db
			.updateTable('enrollments')
			.set({ legal_name: NFD_NAME, attestation_name: NFD_NAME, attested_at: '2025-02-01T00:00:00.000Z' })
			.where('id', '=', made[2].id)
			.execute();
		await db
			.updateTable('courts')
			.set({ name: 'Cour d\u2019appel de Que\u0301bec' })
			.where('id', '=', w.courtId)
			.execute();
		await m0018.up(db);
		const rows = await ctx.db
			.selectFrom('enrollments')
			.select(['id', 'registration_number', 'legal_name', 'attestation_name', 'attestation_text', 'offence_date'])
			.where(
				'id',
				'in',
				made.map((m) => m.id)
			)
			.execute();
		const byId = new Map(rows.map((r) => [r.id, r]));
		const numberOf = (i: number) => byId.get(made[i].id)!.registration_number;
		expect([0, 2, 3].map((i) => numberOf(i).split('-P-')[1])).toEqual(['000001', '000002', '000003']);
		expect(numberOf(1)).toMatch(/-P-000001$/);
		expect(byId.get(made[2].id)).toMatchObject({
			legal_name: NFC_NAME,
			attestation_name: NFC_NAME,
			attestation_text: ATTESTATION_TEXT,
			offence_date: null
		});
		expect(byId.get(made[0].id)!.attestation_text).toBeNull();
		expect(
			await ctx.db.selectFrom('courts').select('name').where('id', '=', w.courtId).executeTakeFirstOrThrow()
		).toEqual({ name: 'Cour d\u2019appel de Québec' });
		// The counter carries on after the backfill.
		const next = await createReferral(ctx.db, w.clerk, {
			legalName: 'New Referral',
			dateOfBirth: '1980-01-01',
			caseNumber: '62-CR-26-NEW',
			courtId: w.courtId,
			referralDate: today(),
			dueDate: '2099-01-01'
		});
		expect(next.ok && next.registrationNumber.split('-P-')[1]).toBe('000004');
	});
});
