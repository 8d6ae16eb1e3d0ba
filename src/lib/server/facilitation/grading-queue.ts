import { programsInScope } from '../access';
import { clock } from '../clock';
import { openFlagsBySubmission } from './safety.service';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

export interface QueueFilters {
	/** Module position (the same "module 3" across curriculum versions). */
	module?: number;
	/** Enrollment id. */
	participant?: string;
}

export interface QueueItem {
	id: string;
	enrollmentId: string;
	legalName: string;
	caseNumber: string;
	version: number;
	submittedAt: string;
	modulePosition: number;
	moduleTitle: string;
	waitedSeconds: number;
	/** Open safety flags on it: such a submission is listed first, to be read today. */
	safetyFlagged: boolean;
}

function waiting(db: Db, programs: string[]) {
	return db
		.selectFrom('reflection_submissions')
		.innerJoin('enrollments', 'enrollments.id', 'reflection_submissions.enrollment_id')
		.where('enrollments.program_id', 'in', programs)
		.where('enrollments.status', '=', 'active')
		.where('reflection_submissions.status', '=', 'submitted');
}

/**
 * The filters from a query string (a GET form works without JavaScript); anything malformed is ignored.
 * Both are ids (a module position, an enrollment's random id, as in /facilitate/participants/<id>),
 * never a name or case number: they ride in URLs, through the grading page and back to the queue.
 */
export function parseQueueFilters(params: URLSearchParams): QueueFilters {
	const module = params.get('module') ?? '';
	const participant = params.get('participant') ?? '';
	return {
		module: /^\d{1,3}$/.test(module) ? Number(module) : undefined,
		participant: /^[a-z0-9]{1,64}$/.test(participant) ? participant : undefined
	};
}

/** The same filters as a query string ("" when none), to carry them through the grading page and back. */
export function queueFiltersQuery(f: QueueFilters): string {
	const q = new URLSearchParams();
	if (f.module !== undefined) q.set('module', String(f.module));
	if (f.participant !== undefined) q.set('participant', f.participant);
	return q.toString();
}

/** Submitted reflections waiting for a grade, oldest first, optionally for one module or one participant. */
export async function gradingQueue(db: Db, user: UserIdentity, filters: QueueFilters = {}): Promise<QueueItem[]> {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return [];
	let q = waiting(db, programs)
		.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
		.innerJoin('modules', 'modules.id', 'reflection_prompts.module_id')
		.select([
			'reflection_submissions.id',
			'reflection_submissions.enrollment_id',
			'reflection_submissions.version',
			'reflection_submissions.submitted_at',
			'enrollments.legal_name',
			'enrollments.case_number',
			'modules.position',
			'modules.title'
		]);
	if (filters.module !== undefined) q = q.where('modules.position', '=', filters.module);
	if (filters.participant !== undefined) q = q.where('reflection_submissions.enrollment_id', '=', filters.participant);
	const rows = await q.orderBy('reflection_submissions.submitted_at').orderBy('reflection_submissions.id').execute();
	const now = clock.now().getTime();
	const flagged = await openFlagsBySubmission(
		db,
		rows.map((r) => r.id)
	);
	const items = rows.map((r) => ({
		id: r.id,
		enrollmentId: r.enrollment_id,
		legalName: r.legal_name,
		caseNumber: r.case_number,
		version: Number(r.version),
		submittedAt: r.submitted_at,
		modulePosition: Number(r.position),
		moduleTitle: r.title,
		waitedSeconds: Math.max(0, Math.floor((now - Date.parse(r.submitted_at)) / 1000)),
		safetyFlagged: flagged.has(r.id)
	}));
	// Flagged first; otherwise oldest first (sort is stable).
	return items.sort((a, b) => Number(b.safetyFlagged) - Number(a.safetyFlagged));
}

/** How many submissions wait for a grade (the number on the navigation). */
export async function gradingQueueCount(db: Db, user: UserIdentity): Promise<number> {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return 0;
	const row = await waiting(db, programs)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** The choices of the queue's filters: every module of the programs' curricula, and who has work waiting. */
export async function gradingQueueFilters(db: Db, user: UserIdentity) {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return { modules: [], participants: [] };
	const [modules, participants] = await Promise.all([
		db
			.selectFrom('modules')
			.innerJoin('curriculum_versions', 'curriculum_versions.id', 'modules.curriculum_version_id')
			.select(['modules.position', 'modules.title'])
			.where('curriculum_versions.program_id', 'in', programs)
			.orderBy('modules.position')
			.orderBy('curriculum_versions.published_at', 'desc')
			.execute(),
		waiting(db, programs)
			.select((eb) => [
				'enrollments.id',
				'enrollments.legal_name',
				'enrollments.case_number',
				eb.fn.countAll<number>().as('n')
			])
			.groupBy(['enrollments.id', 'enrollments.legal_name', 'enrollments.case_number'])
			.orderBy('enrollments.legal_name')
			.orderBy('enrollments.id')
			.execute()
	]);
	// Module positions are stable across curriculum versions; the newest version's title names each.
	const byPosition = new Map<number, string>();
	for (const m of modules) if (!byPosition.has(Number(m.position))) byPosition.set(Number(m.position), m.title);
	return {
		modules: [...byPosition].map(([position, title]) => ({ position, title })),
		participants: participants.map((p) => ({
			id: p.id,
			legalName: p.legal_name,
			caseNumber: p.case_number,
			waiting: Number(p.n)
		}))
	};
}
