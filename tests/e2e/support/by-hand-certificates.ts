// Test support for the by-hand verification test (tests/e2e/by-hand.test.mjs), two steps:
//   finish <enrollmentId> <code> <dateOfBirth> <caseNumber> <email> <password>
//     activates a referral the test made through the court's form, and completes its course work
//     (seat time, quizzes, graded reflections, fee) as the demo facilitator; the test then attests
//     and signs off through the forms.
//   v1
//     registers a certificate as version 1 of the facts issued it, its name stored with decomposed
//     accents as some keyboards sent it then, signed with the server's own keys; prints its serial.
import { completeModules } from '../../../src/lib/server/testing/walk-course';
import { ATTESTATION_TEXT, type CertificateFactsV1 } from '../../../src/lib/domain/certificate-facts';
import { useSigningKeys } from '../../../src/lib/server/certificates/certificate-keys';
import { registerCertificate } from '../../../src/lib/server/certificates/issue';
import { loadKeys } from '../../../src/lib/server/certificates/keys-folder';
import { produceCertificate } from '../../../src/lib/server/certificates/produce';
import { openDatabase } from '../../../src/lib/server/db';
import { activate } from '../../../src/lib/server/enrollment/activation.service';
import { recordFee } from '../../../src/lib/server/facilitation/facilitation.service';
import { newId } from '../../../src/lib/server/ids';
import { makeParticipant } from '../../../src/lib/server/testing/factories';
import { findIdentity } from '../../../src/lib/server/users/users.queries';

const h = openDatabase(process.env.DATABASE_URL);
const db = h.db;
const staff = async (email: string) => {
	const u = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
	return (await findIdentity(db, u.id))!;
};
const facilitator = await staff('facilitator@demo.johnschool.test');
const [step, ...args] = process.argv.slice(2);

if (step === 'finish') {
	const [enrollmentId, code, dateOfBirth, caseNumber, email, password] = args;
	const a = await activate(db, {
		code,
		dateOfBirth,
		caseNumber,
		email,
		password,
		noticeAcknowledged: true,
		ip: '127.0.0.1'
	});
	if (!a.ok) throw new Error(`activate: ${a.reason}`);
	const user = (await findIdentity(db, a.userId))!;
	await completeModules(db, user, facilitator, Infinity);
	await recordFee(db, facilitator, enrollmentId, 'paid');
	console.log(JSON.stringify({ userId: a.userId }));
} else if (step === 'v1') {
	const keys = loadKeys(process.env.KEYS_DIR!);
	useSigningKeys(keys);
	const court = await db
		.selectFrom('courts')
		.innerJoin('programs', 'programs.id', 'courts.program_id')
		.select(['courts.id', 'courts.name', 'programs.id as programId', 'programs.name as program', 'programs.provider'])
		.where('programs.slug', '=', 'ramsey-opp')
		.executeTakeFirstOrThrow();
	const clerk = await staff('clerk@demo.johnschool.test');
	const p = await makeParticipant(db, clerk, court.id);
	const name = 'Søren Ŀuís Nguyễn'.normalize('NFD');
	const serial = `RC-2025-${String(900000 + Math.floor(Math.random() * 99999)).padStart(6, '0')}`;
	const signedAt = '2025-11-03T16:20:00.000Z';
	await db
		.updateTable('enrollments')
		.set({
			legal_name: name,
			attestation_name: name,
			attestation_text: ATTESTATION_TEXT,
			attested_at: signedAt,
			status: 'completed',
			completed_at: signedAt
		})
		.where('id', '=', p.enrollmentId)
		.execute();
	await db
		.insertInto('signoffs')
		.values({
			enrollment_id: p.enrollmentId,
			facilitator_id: facilitator.id,
			checklist_json: '[]',
			signed_at: signedAt,
			serial
		})
		.execute();
	const facts: CertificateFactsV1 = {
		v: 1,
		serial,
		program: court.program,
		provider: court.provider,
		participantName: name,
		dateOfBirth: p.dateOfBirth,
		court: court.name,
		caseNumber: p.caseNumber,
		offence: null,
		curriculumVersion: '2026.1',
		completedAt: '2025-11-03',
		seatSeconds: 29100,
		attestation: { name, signedAt },
		signedOffBy: facilitator.name,
		issuedAt: '2025-11-03T16:25:00.000Z',
		keyId: keys.ed25519.keyId
	};
	const code = newId().slice(0, 26);
	const origin = process.env.E2E_BASE_URL!;
	const out = await produceCertificate({
		facts,
		code,
		verifyUrl: `${origin}/verify/${serial}?code=${code}`,
		ed25519PrivateKey: keys.ed25519.privateKey,
		signing: { p12: keys.pdf.p12, passphrase: keys.pdf.passphrase },
		pdfSignature: {
			reason: `Certificate of completion ${serial}`,
			name: facts.provider,
			location: facts.program,
			contactInfo: origin,
			signingTime: new Date(facts.issuedAt)
		}
	});
	await db.transaction().execute((trx) =>
		registerCertificate(
			trx,
			{
				id: newId(),
				facts,
				code,
				signature: out.signature,
				pdf: out.pdf,
				sha256: out.sha256,
				timestampedAt: out.timestampedAt,
				ed25519KeyId: keys.ed25519.keyId,
				pdfKeyId: keys.pdf.keyId
			},
			{ enrollmentId: p.enrollmentId, programId: court.programId, courtId: court.id, issuedBy: facilitator.id }
		)
	);
	console.log(JSON.stringify({ serial }));
} else {
	throw new Error(`unknown step ${step}`);
}
await h.close();
