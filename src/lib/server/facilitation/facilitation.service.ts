import { compliance } from '../../domain/compliance';
import { canSeeEnrollment } from '../access';
import { audit } from '../audit/audit';
import { clock, today } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import type { FeeStatus } from '../db/schema';
import { loadCourseState } from '../learning/evidence';
import type { UserIdentity } from '../users/users.queries';
import { enrollmentForStaff } from '../completion/completion.service';

function programsOf(user: UserIdentity): string[] {
	return user.roles.includes('facilitator') || user.roles.includes('admin') ? user.programIds : [];
}

/** Submitted reflections of the facilitator's programs, oldest first. */
export async function gradingQueue(db: Db, user: UserIdentity) {
	const programs = programsOf(user);
	if (!programs.length) return [];
	return db
		.selectFrom('reflection_submissions')
		.innerJoin('enrollments', 'enrollments.id', 'reflection_submissions.enrollment_id')
		.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
		.innerJoin('modules', 'modules.id', 'reflection_prompts.module_id')
		.select(['reflection_submissions.id', 'reflection_submissions.version', 'reflection_submissions.submitted_at', 'enrollments.legal_name', 'modules.position', 'modules.title'])
		.where('enrollments.program_id', 'in', programs)
		.where('reflection_submissions.status', '=', 'submitted')
		.orderBy('reflection_submissions.submitted_at')
		.execute();
}

export async function participantsOverview(db: Db, user: UserIdentity) {
	const programs = programsOf(user);
	if (!programs.length) return [];
	const enrollments = await db.selectFrom('enrollments').selectAll().where('program_id', 'in', programs).where('status', 'in', ['active', 'completed']).orderBy('due_date').execute();
	const day = today();
	const out = [];
	for (const e of enrollments) {
		const s = await loadCourseState(db, e);
		out.push({
			id: e.id,
			legalName: e.legal_name,
			caseNumber: e.case_number,
			dueDate: e.due_date,
			status: e.status,
			compliance: compliance(e, day, !!e.activated_at),
			modulesDone: s.modules.filter((m) => m.complete).length,
			modules: s.modules.length,
			seatSeconds: s.totalSeatSeconds,
			unmet: s.requirements.filter((r) => !r.met).length
		});
	}
	return out;
}

/** A participant's record for staff, with the evidence behind each requirement. The view is audited. */
export async function participantRecord(db: Db, user: UserIdentity, enrollmentId: string, ip?: string) {
	const e = await enrollmentForStaff(db, user, enrollmentId);
	if (!e) return undefined;
	const [state, submissions, certificate] = await Promise.all([
		loadCourseState(db, e),
		db
			.selectFrom('reflection_submissions')
			.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
			.select(['reflection_submissions.id', 'reflection_submissions.version', 'reflection_submissions.status', 'reflection_submissions.submitted_at', 'reflection_prompts.module_id'])
			.where('reflection_submissions.enrollment_id', '=', e.id)
			.orderBy('reflection_submissions.submitted_at', 'desc')
			.execute(),
		db.selectFrom('certificates').select(['id', 'serial', 'status', 'issued_at']).where('enrollment_id', '=', e.id).orderBy('issued_at', 'desc').executeTakeFirst()
	]);
	await db.transaction().execute((trx) => audit(trx, { actorId: user.id, action: 'record.view', targetType: 'enrollment', targetId: e.id, ip, details: { as: 'facilitator' } }));
	return { enrollment: e, state, submissions, certificate: certificate ?? null };
}

export async function recordFee(db: Db, user: UserIdentity, enrollmentId: string, status: FeeStatus, ip?: string) {
	const e = await enrollmentForStaff(db, user, enrollmentId);
	if (!e) return { ok: false as const, reason: 'not_found' as const };
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('enrollments').set({ fee_status: status, fee_recorded_by: user.id, fee_recorded_at: clock.iso() }).where('id', '=', e.id).execute();
		await audit(trx, { actorId: user.id, action: 'enrollment.fee', targetType: 'enrollment', targetId: e.id, ip, details: { status } });
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
	const role = user.roles.includes('facilitator') ? 'facilitator' : 'admin';
	if (!sub || !canSeeEnrollment(user, sub, role)) return undefined;
	const earlier = await db
		.selectFrom('reflection_submissions')
		.leftJoin('reflection_grades', 'reflection_grades.submission_id', 'reflection_submissions.id')
		.select(['reflection_submissions.version', 'reflection_submissions.body', 'reflection_submissions.submitted_at', 'reflection_grades.outcome', 'reflection_grades.feedback'])
		.where('reflection_submissions.enrollment_id', '=', sub.enrollment_id)
		.where('reflection_submissions.prompt_id', '=', sub.prompt_id)
		.where('reflection_submissions.version', '<', sub.version)
		.orderBy('reflection_submissions.version', 'desc')
		.execute();
	return { ...sub, rubric: JSON.parse(sub.rubric_json) as string[], earlier };
}

export type UnlockResult = { ok: true } | { ok: false; reason: 'not_found' | 'not_locked' | 'reason_required' };

/** Grants one more attempt at a locked quiz, with the facilitator's reason, audited. */
export async function unlockQuiz(db: Db, user: UserIdentity, enrollmentId: string, moduleId: string, reason: string, ip?: string): Promise<UnlockResult> {
	const e = await enrollmentForStaff(db, user, enrollmentId);
	if (!e) return { ok: false, reason: 'not_found' };
	if (reason.trim().length < 5) return { ok: false, reason: 'reason_required' };
	const state = await loadCourseState(db, e);
	const m = state.modules.find((x) => x.moduleId === moduleId);
	if (!m) return { ok: false, reason: 'not_found' };
	if (!m.quizLocked) return { ok: false, reason: 'not_locked' };
	await db.transaction().execute(async (trx) => {
		const id = newId();
		await trx.insertInto('quiz_unlocks').values({ id, enrollment_id: e.id, quiz_id: m.quizId, extra_attempts: 1, reason: reason.trim(), unlocked_by: user.id, created_at: clock.iso() }).execute();
		await audit(trx, { actorId: user.id, action: 'quiz.unlock', targetType: 'enrollment', targetId: e.id, ip, details: { quizId: m.quizId } });
	});
	return { ok: true };
}
