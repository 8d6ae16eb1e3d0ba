import { actingRole } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import { groupCommit } from '../db/group-commit';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { mayStudy, refreshUnlocked } from '../learning/unlocks';
import { screenSubmission } from '../facilitation/safety.service';

export const MAX_REFLECTION_LENGTH = 20_000;

export async function reflectionsForModule(db: Db, enrollmentId: string, moduleId: string) {
	const prompts = await db
		.selectFrom('reflection_prompts')
		.selectAll()
		.where('module_id', '=', moduleId)
		.orderBy('position')
		.execute();
	const ids = prompts.map((p) => p.id);
	if (!ids.length) return [];
	const [drafts, submissions, grades] = await Promise.all([
		db
			.selectFrom('reflection_drafts')
			.selectAll()
			.where('enrollment_id', '=', enrollmentId)
			.where('prompt_id', 'in', ids)
			.execute(),
		db
			.selectFrom('reflection_submissions')
			.selectAll()
			.where('enrollment_id', '=', enrollmentId)
			.where('prompt_id', 'in', ids)
			.orderBy('version', 'desc')
			.execute(),
		db
			.selectFrom('reflection_grades')
			.innerJoin('reflection_submissions', 'reflection_submissions.id', 'reflection_grades.submission_id')
			.select([
				'reflection_grades.submission_id',
				'reflection_grades.outcome',
				'reflection_grades.feedback',
				'reflection_grades.graded_at'
			])
			.where('reflection_submissions.enrollment_id', '=', enrollmentId)
			.execute()
	]);
	return prompts.map((p) => {
		const versions = submissions
			.filter((s) => s.prompt_id === p.id)
			.map((s) => ({ ...s, grade: grades.find((g) => g.submission_id === s.id) ?? null }));
		return {
			id: p.id,
			prompt: p.prompt,
			minLength: p.min_length,
			draft: drafts.find((d) => d.prompt_id === p.id)?.body ?? null,
			versions,
			latest: versions[0] ?? null
		};
	});
}

async function ownPrompt(db: Db, user: UserIdentity, moduleId: string, promptId: string) {
	const access = await mayStudy(db, user, moduleId, promptId);
	if (!access.ok) return access;
	if (!access.prompt) return { ok: false as const, reason: 'not_found' as const };
	return { ok: true as const, enrollmentId: access.enrollmentId, prompt: access.prompt };
}

export async function saveDraft(db: Db, user: UserIdentity, moduleId: string, promptId: string, body: string) {
	const p = await ownPrompt(db, user, moduleId, promptId);
	if (!p.ok) return p;
	const values = {
		enrollment_id: p.enrollmentId,
		prompt_id: promptId,
		body: body.slice(0, MAX_REFLECTION_LENGTH),
		updated_at: clock.iso()
	};
	// Autosaves arrive every few seconds from every writer: committed together (../db/group-commit.ts).
	await groupCommit(
		db,
		(trx) =>
			trx
				.insertInto('reflection_drafts')
				.values(values)
				.onConflict((oc) =>
					oc.columns(['enrollment_id', 'prompt_id']).doUpdateSet({ body: values.body, updated_at: values.updated_at })
				)
				.execute(),
		{ single: true }
	);
	return { ok: true as const, savedAt: values.updated_at };
}

export type SubmitReflectionResult =
	| { ok: true; version: number; duplicate: boolean }
	| {
			ok: false;
			reason: 'no_enrollment' | 'not_found' | 'locked' | 'too_short' | 'awaiting_grade' | 'already_satisfactory';
			minLength?: number;
	  };

export async function submitReflection(
	db: Db,
	user: UserIdentity,
	moduleId: string,
	promptId: string,
	body: string,
	ip?: string
): Promise<SubmitReflectionResult> {
	const p = await ownPrompt(db, user, moduleId, promptId);
	if (!p.ok) return p;
	const text = body.trim();
	if (text.length < p.prompt.minLength) return { ok: false, reason: 'too_short', minLength: p.prompt.minLength };
	const latest = await db
		.selectFrom('reflection_submissions')
		.select(['version', 'status', 'body'])
		.where('enrollment_id', '=', p.enrollmentId)
		.where('prompt_id', '=', promptId)
		.orderBy('version', 'desc')
		.executeTakeFirst();
	// A double submit of the same text is the same submission, not a new version.
	if (latest && latest.status === 'submitted' && latest.body === text)
		return { ok: true, version: latest.version, duplicate: true };
	if (latest?.status === 'submitted') return { ok: false, reason: 'awaiting_grade' };
	if (latest?.status === 'satisfactory') return { ok: false, reason: 'already_satisfactory' };
	const version = (latest?.version ?? 0) + 1;
	try {
		await db.transaction().execute(async (trx) => {
			const id = newId();
			await trx
				.insertInto('reflection_submissions')
				.values({
					id,
					enrollment_id: p.enrollmentId,
					prompt_id: promptId,
					version,
					body: text.slice(0, MAX_REFLECTION_LENGTH),
					status: 'submitted',
					submitted_at: clock.iso()
				})
				.execute();
			await trx
				.deleteFrom('reflection_drafts')
				.where('enrollment_id', '=', p.enrollmentId)
				.where('prompt_id', '=', promptId)
				.execute();
			await audit(trx, {
				actorId: user.id,
				action: 'reflection.submit',
				targetType: 'reflection_submission',
				targetId: id,
				ip,
				details: { version }
			});
			await screenSubmission(trx, { id, enrollmentId: p.enrollmentId, body: text });
			// A first answer to a prompt can complete the module (src/lib/domain/completion.ts).
			await refreshUnlocked(trx, p.enrollmentId);
		});
	} catch (e) {
		if (isUniqueViolation(e)) return { ok: true, version, duplicate: true };
		throw e;
	}
	return { ok: true, version, duplicate: false };
}

export type GradeResult = { ok: true } | { ok: false; reason: 'not_found' | 'already_graded' | 'feedback_required' };

/** A facilitator grades one submitted version. The first grade wins; a second is told so. */
export async function gradeReflection(
	db: Db,
	grader: UserIdentity,
	input: {
		submissionId: string;
		outcome: 'satisfactory' | 'needs_revision';
		feedback: string;
		rubric: Record<string, boolean>;
	},
	ip?: string
): Promise<GradeResult> {
	const sub = await db
		.selectFrom('reflection_submissions')
		.innerJoin('enrollments', 'enrollments.id', 'reflection_submissions.enrollment_id')
		.select([
			'reflection_submissions.id',
			'reflection_submissions.status',
			'enrollments.program_id',
			'enrollments.court_id',
			'enrollments.user_id'
		])
		.where('reflection_submissions.id', '=', input.submissionId)
		.executeTakeFirst();
	if (!sub || !actingRole(grader, sub, 'staff')) return { ok: false, reason: 'not_found' };
	if (input.outcome === 'needs_revision' && input.feedback.trim().length === 0)
		return { ok: false, reason: 'feedback_required' };
	return db.transaction().execute(async (trx) => {
		const res = await trx
			.updateTable('reflection_submissions')
			.set({ status: input.outcome })
			.where('id', '=', sub.id)
			.where('status', '=', 'submitted')
			.executeTakeFirst();
		if (Number(res.numUpdatedRows) !== 1) return { ok: false as const, reason: 'already_graded' as const };
		await trx
			.insertInto('reflection_grades')
			.values({
				id: newId(),
				submission_id: sub.id,
				grader_id: grader.id,
				outcome: input.outcome,
				rubric_json: JSON.stringify(input.rubric),
				feedback: input.feedback.trim(),
				graded_at: clock.iso()
			})
			.execute();
		await audit(trx, {
			actorId: grader.id,
			action: 'reflection.grade',
			targetType: 'reflection_submission',
			targetId: sub.id,
			ip,
			details: { outcome: input.outcome }
		});
		// The status is evidence the full answer reads: keep the stored unlock in step with it.
		const { enrollment_id } = await trx
			.selectFrom('reflection_submissions')
			.select('enrollment_id')
			.where('id', '=', sub.id)
			.executeTakeFirstOrThrow();
		await refreshUnlocked(trx, enrollment_id);
		return { ok: true as const };
	});
}
