import { generateKeys, loadKeys } from '../certificates/keys-folder';
import { registerPublicKeys, useSigningKeys } from '../certificates/certificate-keys';
import { importCurriculum } from '../curriculum/curriculum.service';
import type { ParsedCurriculum, ParsedModule } from '../curriculum/files';
import { clock, today } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { createReferral } from '../enrollment/referral.service';
import { activate } from '../enrollment/activation.service';
import { findIdentity, type UserIdentity } from '../users/users.queries';
import { createStaffUser } from '../users/users.service';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_PASSWORD = 'plain long test passphrase';

export async function makeProgram(db: Db, settings: Record<string, unknown> = {}, slug = `p-${newId().slice(0, 8)}`) {
	const programId = newId();
	const courtId = newId();
	await db
		.insertInto('programs')
		.values({
			id: programId,
			slug,
			name: 'Test Program',
			provider: 'Test Provider',
			serial_prefix: `T${newId().slice(0, 6).toUpperCase()}`,
			settings_json: JSON.stringify({ seatTimePercent: 0, ...settings }),
			created_at: clock.iso()
		})
		.execute();
	await db
		.insertInto('courts')
		.values({
			id: courtId,
			program_id: programId,
			name: 'Test District Court',
			county: 'Test',
			created_at: clock.iso()
		})
		.execute();
	return { programId, courtId, slug };
}

export async function makeStaff(
	db: Db,
	roles: Role[],
	scope: { programId?: string; courtId?: string },
	email = `${newId().slice(0, 10)}@staff.test`
): Promise<UserIdentity> {
	const r = await createStaffUser(db, null, {
		email,
		name: 'Staff Member',
		password: TEST_PASSWORD,
		roles,
		programIds: scope.programId ? [scope.programId] : [],
		courtIds: scope.courtId ? [scope.courtId] : []
	});
	if (!r.ok) throw new Error(`makeStaff: ${r.reason}`);
	return (await findIdentity(db, r.id))!;
}

function testModule(position: number): ParsedModule {
	return {
		position,
		slug: `module-${position}`,
		title: `Module ${position}`,
		summary: 'A test module.',
		objectives: ['Learn a thing'],
		bodyMd: `## Section\n\nBody of module ${position}.`,
		minSeatSeconds: 600,
		reflections: [{ prompt: `Reflect on module ${position}.`, minLength: 20, rubric: ['Specific', 'Honest'] }],
		quiz: {
			passMark: null,
			maxAttempts: null,
			questions: Array.from({ length: 8 }, (_, i) => ({
				kind: (i % 3 === 0 ? 'multiple' : i % 3 === 1 ? 'single' : 'true_false') as
					'single' | 'multiple' | 'true_false',
				prompt: `Question ${i + 1} of module ${position}`,
				explanation: `Explanation ${i + 1}`,
				options:
					i % 3 === 2
						? [
								{ label: 'True', correct: true, explanation: null },
								{ label: 'False', correct: false, explanation: null }
							]
						: [
								{ label: 'Right', correct: true, explanation: 'Because.' },
								{ label: i % 3 === 0 ? 'Also right' : 'Wrong', correct: i % 3 === 0, explanation: null },
								{ label: 'Wrong too', correct: false, explanation: null }
							]
			}))
		}
	};
}

export async function makeCurriculum(db: Db, programSlug: string, modules = 2, version = '1.0') {
	const c: ParsedCurriculum = {
		program: programSlug,
		version,
		title: 'Test curriculum',
		contentHash: newId(),
		modules: Array.from({ length: modules }, (_, i) => testModule(i + 1))
	};
	const r = await importCurriculum(db, null, c);
	if (!r.ok) throw new Error(`makeCurriculum: ${r.reason}`);
	return r.versionId;
}

/** A referred and activated participant of the given program. */
export async function makeParticipant(db: Db, clerk: UserIdentity, courtId: string, n = newId().slice(0, 6)) {
	const dateOfBirth = '1980-01-01';
	const caseNumber = `62-CR-26-${n}`;
	const ref = await createReferral(db, clerk, {
		legalName: `Pat Tester ${n}`,
		dateOfBirth,
		caseNumber,
		courtId,
		referralDate: today(),
		dueDate: '2099-01-01'
	});
	if (!ref.ok) throw new Error(`makeParticipant referral: ${ref.reason}`);
	const act = await activate(db, {
		code: ref.code,
		dateOfBirth,
		caseNumber,
		email: `pat-${n}@participant.test`,
		password: TEST_PASSWORD,
		noticeAcknowledged: true,
		ip: `10.0.${Math.floor(Math.random() * 250)}.1`
	});
	if (!act.ok) throw new Error(`makeParticipant activation: ${act.reason}`);
	return {
		user: (await findIdentity(db, act.userId))!,
		enrollmentId: ref.enrollmentId,
		legalName: `Pat Tester ${n}`,
		caseNumber,
		dateOfBirth
	};
}

let sharedKeysDir: string | null = null;
/** Signing keys in a temp folder, loaded for the certificate service (generated once per test run). */
export async function useTestKeys(db: Db): Promise<string> {
	sharedKeysDir ??= (() => {
		const dir = join(mkdtempSync(join(tmpdir(), 'js-keys-')), 'keys');
		generateKeys(dir, { programName: 'Test Program' });
		return dir;
	})();
	const keys = loadKeys(sharedKeysDir);
	useSigningKeys(keys);
	await registerPublicKeys(db, keys);
	return sharedKeysDir;
}
