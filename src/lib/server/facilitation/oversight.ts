import { programsInScope } from '../access';
import type { Requirement } from '../../domain/completion';
import { standingOf, type RiskReason, type Standing } from '../../domain/standing';
import { clock, today } from '../clock';
import type { Db } from '../db';
import type { EnrollmentStatus, EnrollmentsTable } from '../db/schema';
import { loadCourseStates, type CourseState } from '../learning/evidence';
import type { UserIdentity } from '../users/users.queries';

export const PARTICIPANT_FILTERS = ['active', 'attention', 'at_risk', 'overdue', 'completed', 'all'] as const;
export type ParticipantFilter = (typeof PARTICIPANT_FILTERS)[number];
export const PARTICIPANT_SORTS = ['due', 'activity', 'name'] as const;
export type ParticipantSort = (typeof PARTICIPANT_SORTS)[number];

export interface ParticipantRow {
	id: string;
	legalName: string;
	caseNumber: string;
	status: string;
	dueDate: string;
	extensions: number;
	standing: Standing;
	daysLeft: number;
	reasons: RiskReason[];
	modulesDone: number;
	modules: number;
	seatSeconds: number;
	requiredSeatSeconds: number;
	/** Module time that counts: each module's time up to its minimum. */
	creditedSeatSeconds: number;
	remainingSeatSeconds: number;
	quizzesPassed: number;
	quizAttempts: number;
	quizzesLocked: number;
	reflectionsSatisfactory: number;
	reflectionsTotal: number;
	reflectionsWaiting: number;
	reflectionsToRevise: number;
	requirements: Requirement[];
	lastActivityAt: string | null;
	timeZone: string;
}

const CHUNK = 500;
async function inChunks<T>(ids: string[], fn: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
	const out: T[] = [];
	for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fn(ids.slice(i, i + CHUNK))));
	return out;
}

const latest = (...isos: (string | null | undefined)[]): string | null =>
	isos.reduce<string | null>((best, x) => (x && (!best || Date.parse(x) > Date.parse(best)) ? x : best), null);

/** The newest thing each participant did (module time, quiz attempts, reflections, drafts, activation), in set queries. */
export async function lastActivity(
	db: Db,
	enrollments: Pick<EnrollmentsTable, 'id' | 'activated_at'>[]
): Promise<Map<string, string | null>> {
	const ids = enrollments.map((e) => e.id);
	const [progress, attempts, submissions, drafts] = await Promise.all([
		inChunks(ids, (c) =>
			db
				.selectFrom('module_progress')
				.select((eb) => ['enrollment_id', eb.fn.max('last_activity_at').as('at')])
				.where('enrollment_id', 'in', c)
				.groupBy('enrollment_id')
				.execute()
		),
		inChunks(ids, (c) =>
			db
				.selectFrom('quiz_attempts')
				.select((eb) => ['enrollment_id', eb.fn.max('started_at').as('at'), eb.fn.max('submitted_at').as('at2')])
				.where('enrollment_id', 'in', c)
				.groupBy('enrollment_id')
				.execute()
		),
		inChunks(ids, (c) =>
			db
				.selectFrom('reflection_submissions')
				.select((eb) => ['enrollment_id', eb.fn.max('submitted_at').as('at')])
				.where('enrollment_id', 'in', c)
				.groupBy('enrollment_id')
				.execute()
		),
		inChunks(ids, (c) =>
			db
				.selectFrom('reflection_drafts')
				.select((eb) => ['enrollment_id', eb.fn.max('updated_at').as('at')])
				.where('enrollment_id', 'in', c)
				.groupBy('enrollment_id')
				.execute()
		)
	]);
	const out = new Map<string, string | null>(enrollments.map((e) => [e.id, e.activated_at]));
	for (const rows of [progress, attempts, submissions, drafts]) {
		for (const r of rows as { enrollment_id: string; at: string | null; at2?: string | null }[])
			out.set(r.enrollment_id, latest(out.get(r.enrollment_id), r.at, r.at2));
	}
	return out;
}

/** One participant's row from his measured state (shared by the list and the participant page). */
export function participantRow(
	state: CourseState,
	extras: { lastActivityAt: string | null; extensions: number; today: string; now: Date }
): ParticipantRow {
	const e = state.enrollment;
	const mods = state.modules;
	const reflections = mods.flatMap((m) => m.reflections);
	const remainingSeatSeconds = mods
		.filter((m) => !m.complete)
		.reduce((n, m) => n + Math.max(0, m.requiredSeconds - m.seatSeconds), 0);
	const modulesDone = mods.filter((m) => m.complete).length;
	const quizzesLocked = mods.filter((m) => m.quizLocked).length;
	const s = standingOf({
		status: e.status,
		dueDate: e.due_date,
		today: extras.today,
		activated: !!e.activated_at,
		modulesRemaining: mods.length - modulesDone,
		remainingSeatSeconds,
		quizLocked: quizzesLocked > 0,
		lastActivityAt: extras.lastActivityAt,
		now: extras.now
	});
	return {
		id: e.id,
		legalName: e.legal_name,
		caseNumber: e.case_number,
		status: e.status,
		dueDate: e.due_date,
		extensions: extras.extensions,
		standing: s.standing,
		daysLeft: s.daysLeft,
		reasons: s.reasons,
		modulesDone,
		modules: mods.length,
		seatSeconds: state.totalSeatSeconds,
		requiredSeatSeconds: mods.reduce((n, m) => n + m.requiredSeconds, 0),
		creditedSeatSeconds: mods.reduce((n, m) => n + Math.min(m.seatSeconds, m.requiredSeconds), 0),
		remainingSeatSeconds,
		quizzesPassed: mods.filter((m) => m.quizPassed).length,
		quizAttempts: mods.reduce((n, m) => n + m.attemptsUsed, 0),
		quizzesLocked,
		reflectionsSatisfactory: reflections.filter((r) => r.status === 'satisfactory').length,
		reflectionsTotal: reflections.length,
		reflectionsWaiting: reflections.filter((r) => r.status === 'submitted').length,
		reflectionsToRevise: reflections.filter((r) => r.status === 'needs_revision').length,
		requirements: state.requirements,
		lastActivityAt: extras.lastActivityAt,
		timeZone: state.settings.timeZone
	};
}

/** Rows for many enrollments at once: a fixed number of set queries, whatever their number. */
export async function participantRows(db: Db, enrollments: EnrollmentsTable[]): Promise<ParticipantRow[]> {
	if (!enrollments.length) return [];
	const ids = enrollments.map((e) => e.id);
	const [states, activity, extensions] = await Promise.all([
		loadCourseStates(db, enrollments),
		lastActivity(db, enrollments),
		inChunks(ids, (c) =>
			db
				.selectFrom('due_date_extensions')
				.select((eb) => ['enrollment_id', eb.fn.countAll<number>().as('n')])
				.where('enrollment_id', 'in', c)
				.groupBy('enrollment_id')
				.execute()
		)
	]);
	const extCount = new Map(extensions.map((x) => [x.enrollment_id, Number(x.n)]));
	const day = today();
	const now = clock.now();
	return states.map((s) =>
		participantRow(s, {
			lastActivityAt: activity.get(s.enrollment.id) ?? null,
			extensions: extCount.get(s.enrollment.id) ?? 0,
			today: day,
			now
		})
	);
}

export interface OverviewQuery {
	show?: ParticipantFilter;
	sort?: ParticipantSort;
	/** Part of a name or case number. */
	q?: string;
}

export interface Overview {
	rows: ParticipantRow[];
	counts: { active: number; attention: number; at_risk: number; overdue: number; completed: number };
}

const IN_PROGRESS: EnrollmentStatus[] = ['referred', 'active'];

function matches(r: ParticipantRow, show: ParticipantFilter): boolean {
	switch (show) {
		case 'active':
			return r.status === 'active' || r.status === 'referred';
		case 'attention':
			return r.standing === 'at_risk' || r.standing === 'overdue';
		case 'at_risk':
		case 'overdue':
		case 'completed':
			return r.standing === show;
		case 'all':
			return true;
	}
}

const byName = (a: ParticipantRow, b: ParticipantRow) =>
	a.legalName.localeCompare(b.legalName) || a.id.localeCompare(b.id);
const sorters: Record<ParticipantSort, (a: ParticipantRow, b: ParticipantRow) => number> = {
	due: (a, b) => a.dueDate.localeCompare(b.dueDate) || byName(a, b),
	// Longest idle first: who has gone quiet is who a facilitator calls.
	activity: (a, b) =>
		(a.lastActivityAt ? Date.parse(a.lastActivityAt) : 0) - (b.lastActivityAt ? Date.parse(b.lastActivityAt) : 0) ||
		byName(a, b),
	name: byName
};

/** The participants of the facilitator's programs with their progress and standing. */
export async function participantsOverview(db: Db, user: UserIdentity, query: OverviewQuery = {}): Promise<Overview> {
	const programs = programsInScope(user, 'staff');
	const empty = { rows: [], counts: { active: 0, attention: 0, at_risk: 0, overdue: 0, completed: 0 } };
	if (!programs.length) return empty;
	const show = query.show ?? 'active';
	const base = () => db.selectFrom('enrollments').where('program_id', 'in', programs).where('purged_at', 'is', null);
	// The working caseload (not yet completed) is always measured, for the counts; finished and
	// withdrawn enrollments only when asked for.
	const closed: EnrollmentStatus[] =
		show === 'completed' ? ['completed'] : show === 'all' ? ['completed', 'withdrawn'] : [];
	const [inProgress, finished, completedCount] = await Promise.all([
		base()
			.selectAll()
			.where('status', 'in', [...IN_PROGRESS])
			.execute(),
		closed.length ? base().selectAll().where('status', 'in', closed).execute() : Promise.resolve([]),
		base()
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('status', '=', 'completed')
			.executeTakeFirstOrThrow()
	]);
	const rows = await participantRows(db, [...inProgress, ...finished]);
	const working = rows.filter((r) => r.status === 'active' || r.status === 'referred');
	const counts = {
		active: working.length,
		attention: working.filter((r) => matches(r, 'attention')).length,
		at_risk: working.filter((r) => r.standing === 'at_risk').length,
		overdue: working.filter((r) => r.standing === 'overdue').length,
		completed: Number(completedCount.n)
	};
	const needle = query.q?.trim().toLowerCase();
	const shown = rows
		.filter((r) => matches(r, show))
		.filter((r) => !needle || r.legalName.toLowerCase().includes(needle) || r.caseNumber.toLowerCase().includes(needle))
		.sort(sorters[query.sort ?? 'due']);
	return { rows: shown, counts };
}
