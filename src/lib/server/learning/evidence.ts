import { attendanceCounts } from '../../domain/live-sessions';
import { evaluateCompletion, moduleComplete, type ModuleEvidence, type Requirement } from '../../domain/completion';
import { parseProgramSettings, requiredSeatSeconds, type ProgramSettings } from '../../domain/program-settings';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';

export interface ModuleState extends ModuleEvidence {
	slug: string;
	summary: string;
	quizId: string;
	passMark: number;
	attemptsUsed: number;
	attemptsAllowed: number;
	quizLocked: boolean;
	unlocked: boolean;
	complete: boolean;
}

export interface CourseState {
	enrollment: EnrollmentsTable;
	settings: ProgramSettings;
	/** The settings as stored: what the stored unlock is stamped with (src/lib/server/learning/unlocks.ts). */
	settingsJson: string;
	modules: ModuleState[];
	requirements: Requirement[];
	totalSeatSeconds: number;
}

/** Everything measured about one enrollment, read in a fixed number of queries. */
export async function loadCourseState(db: Db, enrollment: EnrollmentsTable): Promise<CourseState> {
	const [state] = await loadCourseStates(db, [enrollment]);
	return state;
}

// Both databases cap bound parameters per statement (SQLite 32766, PostgreSQL 65535): read in chunks.
const CHUNK = 500;

/**
 * The same state as loadCourseState for many enrollments at once, in the same fixed number of set
 * queries per chunk of enrollments (not per enrollment), in the order given.
 */
export async function loadCourseStates(db: Db, enrollments: EnrollmentsTable[]): Promise<CourseState[]> {
	const out: CourseState[] = [];
	for (let i = 0; i < enrollments.length; i += CHUNK)
		out.push(...(await loadChunk(db, enrollments.slice(i, i + CHUNK))));
	return out;
}

const none = ['-'];
const orNone = (ids: string[]) => (ids.length ? ids : none);

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
	const m = new Map<string, T[]>();
	for (const r of rows) {
		const k = key(r);
		const list = m.get(k);
		if (list) list.push(r);
		else m.set(k, [r]);
	}
	return m;
}

async function loadChunk(db: Db, enrollments: EnrollmentsTable[]): Promise<CourseState[]> {
	if (!enrollments.length) return [];
	const enrollmentIds = enrollments.map((e) => e.id);
	const programIds = [...new Set(enrollments.map((e) => e.program_id))];
	const versionIds = [...new Set(enrollments.map((e) => e.curriculum_version_id).filter((v): v is string => !!v))];
	const [programs, modules] = await Promise.all([
		db.selectFrom('programs').select(['id', 'settings_json']).where('id', 'in', programIds).execute(),
		versionIds.length
			? db
					.selectFrom('modules')
					.innerJoin('quizzes', 'quizzes.module_id', 'modules.id')
					.select([
						'modules.id',
						'modules.curriculum_version_id',
						'modules.position',
						'modules.slug',
						'modules.title',
						'modules.summary',
						'modules.min_seat_seconds',
						'quizzes.id as quizId',
						'quizzes.pass_mark',
						'quizzes.max_attempts'
					])
					.where('modules.curriculum_version_id', 'in', versionIds)
					.orderBy('modules.position')
					.execute()
			: Promise.resolve([])
	]);
	const moduleIds = modules.map((m) => m.id);
	const [progress, attempts, unlocks, prompts, submissions, attendance] = await Promise.all([
		db.selectFrom('module_progress').selectAll().where('enrollment_id', 'in', enrollmentIds).execute(),
		db
			.selectFrom('quiz_attempts')
			.select(['enrollment_id', 'quiz_id', 'score', 'passed'])
			.where('enrollment_id', 'in', enrollmentIds)
			.where('submitted_at', 'is not', null)
			.execute(),
		db
			.selectFrom('quiz_unlocks')
			.select(['enrollment_id', 'quiz_id', 'extra_attempts'])
			.where('enrollment_id', 'in', enrollmentIds)
			.execute(),
		db
			.selectFrom('reflection_prompts')
			.select(['id', 'module_id'])
			.where('module_id', 'in', orNone(moduleIds))
			.orderBy('position')
			.orderBy('id')
			.execute(),
		db
			.selectFrom('reflection_submissions')
			.select(['enrollment_id', 'prompt_id', 'version', 'status'])
			.where('enrollment_id', 'in', enrollmentIds)
			.orderBy('version', 'desc')
			.execute(),
		db
			.selectFrom('session_registrations')
			.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
			.select(['session_registrations.enrollment_id', 'live_sessions.kind', 'session_registrations.attendance'])
			.where('session_registrations.enrollment_id', 'in', enrollmentIds)
			.where('session_registrations.cancelled_at', 'is', null)
			.execute()
	]);

	const settingsOf = new Map(programs.map((p) => [p.id, p.settings_json]));
	const modulesOf = groupBy(modules, (m) => m.curriculum_version_id);
	const promptsOf = groupBy(prompts, (p) => p.module_id);
	const progressOf = groupBy(progress, (p) => p.enrollment_id);
	const attemptsOf = groupBy(attempts, (a) => a.enrollment_id);
	const unlocksOf = groupBy(unlocks, (u) => u.enrollment_id);
	const submissionsOf = groupBy(submissions, (s) => s.enrollment_id);
	const attendanceOf = groupBy(attendance, (a) => a.enrollment_id);

	return enrollments.map((enrollment) =>
		buildState(enrollment, settingsOf.get(enrollment.program_id)!, {
			modules: (enrollment.curriculum_version_id && modulesOf.get(enrollment.curriculum_version_id)) || [],
			promptsOf,
			progress: progressOf.get(enrollment.id) ?? [],
			attempts: attemptsOf.get(enrollment.id) ?? [],
			unlocks: unlocksOf.get(enrollment.id) ?? [],
			submissions: submissionsOf.get(enrollment.id) ?? [],
			attendance: attendanceOf.get(enrollment.id) ?? []
		})
	);
}

interface Rows {
	modules: {
		id: string;
		position: number;
		slug: string;
		title: string;
		summary: string;
		min_seat_seconds: number;
		quizId: string;
		pass_mark: number | null;
		max_attempts: number | null;
	}[];
	promptsOf: Map<string, { id: string; module_id: string }[]>;
	progress: { module_id: string; seat_seconds: number }[];
	attempts: { quiz_id: string; score: number | null; passed: number | null }[];
	unlocks: { quiz_id: string; extra_attempts: number }[];
	/** Newest version first. */
	submissions: { prompt_id: string; version: number; status: 'submitted' | 'satisfactory' | 'needs_revision' }[];
	attendance: { kind: string; attendance: string | null }[];
}

/** One enrollment's state from its rows (pure: no I/O). */
function buildState(enrollment: EnrollmentsTable, settingsJson: string, rows: Rows): CourseState {
	const settings = parseProgramSettings(settingsJson);
	const { modules, promptsOf, progress, attempts, unlocks, submissions, attendance } = rows;
	const latestStatus = new Map<string, 'submitted' | 'satisfactory' | 'needs_revision'>();
	for (const s of submissions) if (!latestStatus.has(s.prompt_id)) latestStatus.set(s.prompt_id, s.status);

	let previousComplete = true;
	const states: ModuleState[] = modules.map((m) => {
		const p = progress.find((r) => r.module_id === m.id);
		const mine = attempts.filter((a) => a.quiz_id === m.quizId);
		const extra = unlocks.filter((u) => u.quiz_id === m.quizId).reduce((n, u) => n + Number(u.extra_attempts), 0);
		const quizPassed = mine.some((a) => Number(a.passed) === 1);
		const attemptsAllowed = (m.max_attempts ?? settings.maxAttempts) + extra;
		const evidence: ModuleEvidence = {
			moduleId: m.id,
			position: m.position,
			title: m.title,
			seatSeconds: Number(p?.seat_seconds ?? 0),
			requiredSeconds: requiredSeatSeconds(m.min_seat_seconds, settings),
			quizPassed,
			bestScore: mine.length ? Math.max(...mine.map((a) => Number(a.score ?? 0))) : null,
			reflections: (promptsOf.get(m.id) ?? []).map((r) => ({
				promptId: r.id,
				status: latestStatus.get(r.id) ?? 'none'
			}))
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
		.filter((a) => attendanceCounts(a.attendance, settings.lateCountsAsPresent))
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
		settingsJson,
		modules: states,
		requirements,
		totalSeatSeconds: states.reduce((n, m) => n + m.seatSeconds, 0)
	};
}
