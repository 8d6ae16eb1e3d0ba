import { actingRole, enrollmentInScope } from '../access';
import { audit } from '../audit/audit';
import { clock, today } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import type { FeeStatus } from '../db/schema';
import { loadCourseState } from '../learning/evidence';
import { refreshUnlocked } from '../learning/unlocks';
import type { UserIdentity } from '../users/users.queries';
import { caseNotes, dueDateExtensions } from './case-file.service';
import { lastActivity, participantRow } from './oversight';
import { participantTimeline } from './timeline';

/**
 * A participant's record for staff: the evidence behind each requirement, his standing, the whole
 * timeline, case notes and extensions. The view is audited (a staff view of a participant record).
 */
export async function participantRecord(db: Db, user: UserIdentity, enrollmentId: string, ip?: string) {
	const e = await enrollmentInScope(db, user, enrollmentId, 'staff');
	if (!e) return undefined;
	const [state, submissions, certificate, activity, notes, extensions] = await Promise.all([
		loadCourseState(db, e),
		db
			.selectFrom('reflection_submissions')
			.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
			.select([
				'reflection_submissions.id',
				'reflection_submissions.version',
				'reflection_submissions.status',
				'reflection_submissions.submitted_at',
				'reflection_prompts.module_id'
			])
			.where('reflection_submissions.enrollment_id', '=', e.id)
			.orderBy('reflection_submissions.submitted_at', 'desc')
			.execute(),
		db
			.selectFrom('certificates')
			.select(['id', 'serial', 'status', 'issued_at'])
			.where('enrollment_id', '=', e.id)
			.orderBy('issued_at', 'desc')
			.executeTakeFirst(),
		lastActivity(db, [e]),
		caseNotes(db, e.id),
		dueDateExtensions(db, e.id)
	]);
	const timeline = await participantTimeline(db, e, state);
	const row = participantRow(state, {
		lastActivityAt: activity.get(e.id) ?? null,
		extensions: extensions.length,
		today: today(),
		now: clock.now()
	});
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'record.view',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { as: actingRole(user, e, 'staff') }
		})
	);
	return { enrollment: e, state, row, submissions, certificate: certificate ?? null, timeline, notes, extensions };
}

export async function recordFee(db: Db, user: UserIdentity, enrollmentId: string, status: FeeStatus, ip?: string) {
	const e = await enrollmentInScope(db, user, enrollmentId, 'staff');
	if (!e) return { ok: false as const, reason: 'not_found' as const };
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('enrollments')
			.set({ fee_status: status, fee_recorded_by: user.id, fee_recorded_at: clock.iso() })
			.where('id', '=', e.id)
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'enrollment.fee',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { status }
		});
	});
	return { ok: true as const };
}

/** One submission to grade, with the prompt's rubric and every earlier version and its feedback. */
export async function submissionForGrading(db: Db, user: UserIdentity, submissionId: string) {
	const sub = await db
		.selectFrom('reflection_submissions')
		.innerJoin('enrollments', 'enrollments.id', 'reflection_submissions.enrollment_id')
		.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
		.innerJoin('modules', 'modules.id', 'reflection_prompts.module_id')
		.select([
			'reflection_submissions.id',
			'reflection_submissions.enrollment_id',
			'reflection_submissions.prompt_id',
			'reflection_submissions.version',
			'reflection_submissions.body',
			'reflection_submissions.status',
			'reflection_submissions.submitted_at',
			'enrollments.program_id',
			'enrollments.court_id',
			'enrollments.user_id',
			'enrollments.legal_name',
			'reflection_prompts.prompt',
			'reflection_prompts.rubric_json',
			'modules.title',
			'modules.position'
		])
		.where('reflection_submissions.id', '=', submissionId)
		.executeTakeFirst();
	if (!sub || !actingRole(user, sub, 'staff')) return undefined;
	const earlier = await db
		.selectFrom('reflection_submissions')
		.leftJoin('reflection_grades', 'reflection_grades.submission_id', 'reflection_submissions.id')
		.leftJoin('users', 'users.id', 'reflection_grades.grader_id')
		.select([
			'reflection_submissions.version',
			'reflection_submissions.body',
			'reflection_submissions.submitted_at',
			'reflection_grades.outcome',
			'reflection_grades.feedback',
			'reflection_grades.graded_at',
			'users.name as grader'
		])
		.where('reflection_submissions.enrollment_id', '=', sub.enrollment_id)
		.where('reflection_submissions.prompt_id', '=', sub.prompt_id)
		.where('reflection_submissions.version', '<', sub.version)
		.orderBy('reflection_submissions.version', 'desc')
		.execute();
	const grade = await db
		.selectFrom('reflection_grades')
		.innerJoin('users', 'users.id', 'reflection_grades.grader_id')
		.select([
			'reflection_grades.outcome',
			'reflection_grades.feedback',
			'reflection_grades.graded_at',
			'users.name as grader'
		])
		.where('reflection_grades.submission_id', '=', sub.id)
		.executeTakeFirst();
	return { ...sub, rubric: JSON.parse(sub.rubric_json) as string[], earlier, grade: grade ?? null };
}

export type UnlockResult = { ok: true } | { ok: false; reason: 'not_found' | 'not_locked' | 'reason_required' };

/** Grants one more attempt at a locked quiz, with the facilitator's reason, audited. */
export async function unlockQuiz(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	moduleId: string,
	reason: string,
	ip?: string
): Promise<UnlockResult> {
	const e = await enrollmentInScope(db, user, enrollmentId, 'staff');
	if (!e) return { ok: false, reason: 'not_found' };
	if (reason.trim().length < 5) return { ok: false, reason: 'reason_required' };
	const state = await loadCourseState(db, e);
	const m = state.modules.find((x) => x.moduleId === moduleId);
	if (!m) return { ok: false, reason: 'not_found' };
	if (!m.quizLocked) return { ok: false, reason: 'not_locked' };
	await db.transaction().execute(async (trx) => {
		const id = newId();
		await trx
			.insertInto('quiz_unlocks')
			.values({
				id,
				enrollment_id: e.id,
				quiz_id: m.quizId,
				extra_attempts: 1,
				reason: reason.trim(),
				unlocked_by: user.id,
				created_at: clock.iso()
			})
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'quiz.unlock',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { quizId: m.quizId }
		});
		// Extra attempts are evidence the full answer reads: keep the stored unlock in step with it.
		await refreshUnlocked(trx, e.id);
	});
	return { ok: true };
}
