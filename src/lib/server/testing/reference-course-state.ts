// The per-enrollment loader as it was before the batched one (frozen here as a test oracle): the
// batched loadCourseStates must give exactly what this gives, enrollment by enrollment.
import { evaluateCompletion, moduleComplete, type ModuleEvidence } from '../../domain/completion';
import { parseProgramSettings, requiredSeatSeconds } from '../../domain/program-settings';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import type { CourseState, ModuleState } from '../learning/evidence';

/** Everything measured about one enrollment, read in a fixed number of queries. */
export async function referenceCourseState(db: Db, enrollment: EnrollmentsTable): Promise<CourseState> {
	const program = await db
		.selectFrom('programs')
		.select('settings_json')
		.where('id', '=', enrollment.program_id)
		.executeTakeFirstOrThrow();
	const settings = parseProgramSettings(program.settings_json);
	const versionId = enrollment.curriculum_version_id;
	const modules = versionId
		? await db
				.selectFrom('modules')
				.innerJoin('quizzes', 'quizzes.module_id', 'modules.id')
				.select([
					'modules.id',
					'modules.position',
					'modules.slug',
					'modules.title',
					'modules.summary',
					'modules.min_seat_seconds',
					'quizzes.id as quizId',
					'quizzes.pass_mark',
					'quizzes.max_attempts'
				])
				.where('modules.curriculum_version_id', '=', versionId)
				.orderBy('modules.position')
				.execute()
		: [];
	const moduleIds = modules.map((m) => m.id);
	const none = ['-'];
	const [progress, attempts, unlocks, prompts, submissions, attendance] = await Promise.all([
		db.selectFrom('module_progress').selectAll().where('enrollment_id', '=', enrollment.id).execute(),
		db
			.selectFrom('quiz_attempts')
			.select(['quiz_id', 'score', 'passed'])
			.where('enrollment_id', '=', enrollment.id)
			.where('submitted_at', 'is not', null)
			.execute(),
		db
			.selectFrom('quiz_unlocks')
			.select(['quiz_id', 'extra_attempts'])
			.where('enrollment_id', '=', enrollment.id)
			.execute(),
		db
			.selectFrom('reflection_prompts')
			.select(['id', 'module_id'])
			.where('module_id', 'in', moduleIds.length ? moduleIds : none)
			.orderBy('position')
			.execute(),
		db
			.selectFrom('reflection_submissions')
			.select(['prompt_id', 'version', 'status'])
			.where('enrollment_id', '=', enrollment.id)
			.orderBy('version', 'desc')
			.execute(),
		db
			.selectFrom('session_registrations')
			.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
			.select(['live_sessions.kind', 'session_registrations.attendance'])
			.where('session_registrations.enrollment_id', '=', enrollment.id)
			.where('session_registrations.cancelled_at', 'is', null)
			.execute()
	]);

	const latestStatus = new Map<string, 'submitted' | 'satisfactory' | 'needs_revision'>();
	for (const s of submissions) if (!latestStatus.has(s.prompt_id)) latestStatus.set(s.prompt_id, s.status);

	let previousComplete = true;
	const states: ModuleState[] = modules.map((m) => {
		const p = progress.find((r) => r.module_id === m.id);
		const mine = attempts.filter((a) => a.quiz_id === m.quizId);
		const extra = unlocks.filter((u) => u.quiz_id === m.quizId).reduce((n, u) => n + Number(u.extra_attempts), 0);
		const quizPassed = mine.some((a) => a.passed === 1);
		const attemptsAllowed = (m.max_attempts ?? settings.maxAttempts) + extra;
		const evidence: ModuleEvidence = {
			moduleId: m.id,
			position: m.position,
			title: m.title,
			seatSeconds: Number(p?.seat_seconds ?? 0),
			requiredSeconds: requiredSeatSeconds(m.min_seat_seconds, settings),
			quizPassed,
			bestScore: mine.length ? Math.max(...mine.map((a) => Number(a.score ?? 0))) : null,
			reflections: prompts
				.filter((r) => r.module_id === m.id)
				.map((r) => ({ promptId: r.id, status: latestStatus.get(r.id) ?? 'none' }))
		};
		const complete = moduleComplete(evidence);
		const state: ModuleState = {
			...evidence,
			slug: m.slug,
			summary: m.summary,
			quizId: m.quizId,
			passMark: m.pass_mark ?? settings.passMark,
			attemptsUsed: mine.length,
			attemptsAllowed,
			quizLocked: !quizPassed && mine.length >= attemptsAllowed,
			unlocked: previousComplete,
			complete
		};
		previousComplete = previousComplete && complete;
		return state;
	});

	const attendedKinds = attendance
		.filter((a) => a.attendance === 'present' || (settings.lateCountsAsPresent && a.attendance === 'late'))
		.map((a) => a.kind);
	const requirements = evaluateCompletion({
		modules: states,
		requiredSessionKinds: settings.requiredSessionKinds,
		attendedKinds,
		feeRequired: settings.feeRequired,
		feeStatus: enrollment.fee_status,
		attested: !!enrollment.attested_at
	});
	return {
		enrollment,
		settings,
		settingsJson: program.settings_json,
		modules: states,
		requirements,
		totalSeatSeconds: states.reduce((n, m) => n + m.seatSeconds, 0)
	};
}
