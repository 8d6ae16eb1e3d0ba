// Shared set-up for the integration tests: every DB test runs on a freshly migrated SQLite database
// and, when the server answers, on a fresh schema of PostgreSQL too.
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { completeModules } from './walk-course';
import { attest, signOff } from '../completion/completion.service';
import { clock } from '../clock';
import type { Db, DbHandle } from '../db';
import { createTestDb, postgresAvailable, type TestDbKind } from './test-db';
import { openAttempt, submitAttempt, type PublicQuestion } from '../quizzes/quiz.service';
import { submitReflection } from '../reflections/reflection.service';
import type { UserIdentity } from '../users/users.queries';

export const pgUp = await postgresAvailable();
if (!pgUp) console.warn('PostgreSQL not reachable at 127.0.0.1:5432: the PostgreSQL runs of these tests are SKIPPED');

export interface DbContext {
	kind: TestDbKind;
	/** The handle of the current test's database (set in beforeEach). */
	handle: DbHandle;
	db: Db;
}

/** Declares `fn`'s tests once per database, each test on a freshly migrated one; the clock is reset after each. */
export function forEachDb(area: string, fn: (ctx: DbContext) => void): void {
	for (const kind of ['sqlite', 'postgres'] as const) {
		describe.skipIf(kind === 'postgres' && !pgUp)(`${area} on ${kind}`, () => {
			const ctx = { kind } as DbContext;
			beforeEach(async () => {
				ctx.handle = await createTestDb(kind);
				ctx.db = ctx.handle.db;
			});
			afterEach(async () => {
				clock.set(null);
				await ctx.handle?.close();
			});
			fn(ctx);
		});
	}
}

export async function count(
	db: Db,
	table: 'users' | 'enrollments' | 'audit_log' | 'certificates' | 'quiz_attempts' | 'sessions' | 'user_roles'
): Promise<number> {
	const row = await db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** The answer key, read from the database the way only the server can: question id → correct option ids. */
export async function answerKey(
	db: Db,
	questions: PublicQuestion[],
	correct = true
): Promise<Record<string, string[]>> {
	const ids = questions.map((q) => q.id);
	const options = await db
		.selectFrom('quiz_options')
		.select(['id', 'question_id', 'is_correct'])
		.where('question_id', 'in', ids)
		.orderBy('position')
		.execute();
	const out: Record<string, string[]> = {};
	for (const id of ids) {
		const mine = options.filter((o) => o.question_id === id);
		out[id] = correct
			? mine.filter((o) => Number(o.is_correct) === 1).map((o) => o.id)
			: [mine.find((o) => Number(o.is_correct) === 0)!.id];
	}
	return out;
}

export async function moduleIds(db: Db, versionId: string): Promise<string[]> {
	const rows = await db
		.selectFrom('modules')
		.select('id')
		.where('curriculum_version_id', '=', versionId)
		.orderBy('position')
		.execute();
	return rows.map((r) => r.id);
}

/** Passes the module's quiz and submits its reflections (not yet graded): the module is then complete. */
export async function completeModule(db: Db, participant: UserIdentity, moduleId: string): Promise<string[]> {
	const open = await openAttempt(db, participant, moduleId);
	if (!open.ok) throw new Error(`completeModule: openAttempt ${open.reason}`);
	const sent = await submitAttempt(db, participant, moduleId, open.attemptId, await answerKey(db, open.questions));
	if (!sent.ok || !sent.passed) throw new Error('completeModule: the quiz was not passed');
	const prompts = await db
		.selectFrom('reflection_prompts')
		.select('id')
		.where('module_id', '=', moduleId)
		.orderBy('position')
		.execute();
	const submissionIds: string[] = [];
	for (const p of prompts) {
		const r = await submitReflection(
			db,
			participant,
			moduleId,
			p.id,
			'An honest and specific reflection on what this module taught me.'
		);
		if (!r.ok) throw new Error(`completeModule: reflection ${r.reason}`);
		const row = await db
			.selectFrom('reflection_submissions')
			.select('id')
			.where('prompt_id', '=', p.id)
			.where('version', '=', r.version)
			.executeTakeFirstOrThrow();
		submissionIds.push(row.id);
	}
	return submissionIds;
}

/** A second court in the same program. */
export async function makeCourt(db: Db, programId: string, name = 'Other District Court'): Promise<string> {
	const id = `court-${Math.random().toString(36).slice(2, 12)}`;
	await db
		.insertInto('courts')
		.values({ id, program_id: programId, name, county: 'Other', created_at: clock.iso() })
		.execute();
	return id;
}

/**
 * A participant taken to a valid certificate the way staff do it: every module done and graded, the fee
 * waived, his attestation, the facilitator's sign-off. Returns the sign-off (serial, certificate id).
 */
export async function certify(
	db: Db,
	pat: { user: UserIdentity; enrollmentId: string; legalName: string },
	facilitator: UserIdentity,
	opts: { origin?: string } = {}
) {
	await completeModules(db, pat.user, facilitator, Infinity);
	await db.updateTable('enrollments').set({ fee_status: 'waived' }).where('id', '=', pat.enrollmentId).execute();
	expect(await attest(db, pat.user, { typedName: pat.legalName, confirmed: true })).toEqual({ ok: true });
	const so = await signOff(db, facilitator, pat.enrollmentId, opts.origin ?? 'http://test.invalid');
	if (!so.ok) throw new Error(so.reason);
	return so;
}
