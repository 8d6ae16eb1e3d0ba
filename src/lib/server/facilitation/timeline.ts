import { longDate } from '../../format';
import { zonedDateTime } from '../../format';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import type { CourseState } from '../learning/evidence';

export type TimelineKind =
	| 'referral'
	| 'activation'
	| 'module'
	| 'quiz'
	| 'unlock'
	| 'reflection'
	| 'grade'
	| 'session'
	| 'fee'
	| 'note'
	| 'extension'
	| 'attestation'
	| 'signoff'
	| 'certificate';

export interface TimelineEvent {
	at: string;
	kind: TimelineKind;
	title: string;
	detail?: string;
	/** Staff member who did it (none: the participant himself, or the system). */
	by?: string;
	tone?: 'ok' | 'warn' | 'bad';
}

type Sortable = TimelineEvent & { sortMs?: number };

const ATTENDANCE: Record<string, string> = {
	present: 'present',
	late: 'late',
	left_early: 'left early',
	absent: 'absent'
};

export interface TimelineOptions {
	/**
	 * 'court': what goes into the court's evidence packet. Staff case notes are not even read, and the
	 * words of staff about the participant (an unlock's reason, a grade's feedback) are left out: the
	 * court gets the events and their outcomes. Default 'staff': everything.
	 */
	audience?: 'staff' | 'court';
}

/**
 * When each complete module was completed. A module's completion is not stored as such: it is the
 * moment its last piece was done (the quiz opens only once the module time is met, so that is the
 * first passing attempt or the first submission of each reflection, whichever is later).
 */
export function moduleCompletions(
	state: CourseState,
	attempts: { quiz_id: string; submitted_at: string | null; passed: number | null }[],
	submissions: { prompt_id: string; submitted_at: string }[]
): Map<string, string> {
	const out = new Map<string, string>();
	for (const m of state.modules.filter((x) => x.complete)) {
		const passed = attempts
			.filter((a) => a.quiz_id === m.quizId && Number(a.passed) === 1 && a.submitted_at)
			.map((a) => a.submitted_at!);
		const firsts = m.reflections.map(
			(r) =>
				submissions
					.filter((s) => s.prompt_id === r.promptId)
					.map((s) => s.submitted_at)
					.sort()[0]
		);
		const at = [...passed.sort().slice(0, 1), ...firsts].filter(Boolean).sort().at(-1);
		if (at) out.set(m.moduleId, at);
	}
	return out;
}

/**
 * Everything on record about one enrollment, newest first. Access must already have been checked.
 */
export async function participantTimeline(
	db: Db,
	e: EnrollmentsTable,
	state: CourseState,
	opts: TimelineOptions = {}
): Promise<TimelineEvent[]> {
	const forCourt = opts.audience === 'court';
	const [
		clerk,
		progress,
		attempts,
		unlocks,
		submissions,
		grades,
		sessions,
		fees,
		notes,
		extensions,
		signoff,
		certificates
	] = await Promise.all([
		db.selectFrom('users').select('name').where('id', '=', e.created_by).executeTakeFirst(),
		db
			.selectFrom('module_progress')
			.select(['module_id', 'started_at'])
			.where('enrollment_id', '=', e.id)
			.orderBy('started_at')
			.execute(),
		db
			.selectFrom('quiz_attempts')
			.select(['quiz_id', 'attempt_no', 'started_at', 'submitted_at', 'score', 'passed'])
			.where('enrollment_id', '=', e.id)
			.orderBy('started_at')
			.orderBy('attempt_no')
			.execute(),
		db
			.selectFrom('quiz_unlocks')
			.innerJoin('users', 'users.id', 'quiz_unlocks.unlocked_by')
			.select(['quiz_unlocks.quiz_id', 'quiz_unlocks.reason', 'quiz_unlocks.created_at', 'users.name'])
			.where('quiz_unlocks.enrollment_id', '=', e.id)
			.orderBy('quiz_unlocks.created_at')
			.execute(),
		db
			.selectFrom('reflection_submissions')
			.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
			.select([
				'reflection_submissions.id',
				'reflection_submissions.prompt_id',
				'reflection_submissions.version',
				'reflection_submissions.submitted_at',
				'reflection_prompts.module_id',
				'reflection_prompts.position'
			])
			.where('reflection_submissions.enrollment_id', '=', e.id)
			.orderBy('reflection_submissions.submitted_at')
			.orderBy('reflection_submissions.version')
			.execute(),
		db
			.selectFrom('reflection_grades')
			.innerJoin('reflection_submissions', 'reflection_submissions.id', 'reflection_grades.submission_id')
			.innerJoin('reflection_prompts', 'reflection_prompts.id', 'reflection_submissions.prompt_id')
			.innerJoin('users', 'users.id', 'reflection_grades.grader_id')
			.select([
				'reflection_grades.outcome',
				'reflection_grades.feedback',
				'reflection_grades.graded_at',
				'reflection_submissions.version',
				'reflection_prompts.module_id',
				'reflection_prompts.position',
				'users.name'
			])
			.where('reflection_submissions.enrollment_id', '=', e.id)
			.orderBy('reflection_grades.graded_at')
			.execute(),
		db
			.selectFrom('session_registrations')
			.innerJoin('live_sessions', 'live_sessions.id', 'session_registrations.session_id')
			.leftJoin('users', 'users.id', 'session_registrations.marked_by')
			.select([
				'live_sessions.title',
				'live_sessions.starts_at',
				'session_registrations.registered_at',
				'session_registrations.cancelled_at',
				'session_registrations.attendance',
				'session_registrations.participation_grade',
				'session_registrations.marked_at',
				'users.name as markedBy'
			])
			.where('session_registrations.enrollment_id', '=', e.id)
			.execute(),
		// Every fee decision, not only the current one: the audit log keeps them all.
		db
			.selectFrom('audit_log')
			.leftJoin('users', 'users.id', 'audit_log.actor_id')
			.select(['audit_log.at', 'audit_log.details_json', 'users.name'])
			.where('audit_log.target_type', '=', 'enrollment')
			.where('audit_log.target_id', '=', e.id)
			.where('audit_log.action', '=', 'enrollment.fee')
			.execute(),
		forCourt
			? Promise.resolve([])
			: db
					.selectFrom('case_notes')
					.innerJoin('users', 'users.id', 'case_notes.author_id')
					.select(['case_notes.body', 'case_notes.created_at', 'users.name'])
					.where('case_notes.enrollment_id', '=', e.id)
					.execute(),
		db
			.selectFrom('due_date_extensions')
			.innerJoin('users', 'users.id', 'due_date_extensions.recorded_by')
			.select([
				'due_date_extensions.previous_due_date',
				'due_date_extensions.new_due_date',
				'due_date_extensions.order_reference',
				'due_date_extensions.created_at',
				'users.name'
			])
			.where('due_date_extensions.enrollment_id', '=', e.id)
			.execute(),
		db
			.selectFrom('signoffs')
			.innerJoin('users', 'users.id', 'signoffs.facilitator_id')
			.select(['signoffs.signed_at', 'signoffs.serial', 'users.name'])
			.where('signoffs.enrollment_id', '=', e.id)
			.executeTakeFirst(),
		db
			.selectFrom('certificates')
			.select(['serial', 'status', 'issued_at', 'revoked_at', 'revoke_reason', 'superseded_by'])
			.where('enrollment_id', '=', e.id)
			.execute()
	]);

	const moduleOf = new Map(state.modules.map((m) => [m.moduleId, m]));
	const moduleByQuiz = new Map(state.modules.map((m) => [m.quizId, m]));
	const label = (moduleId: string) => `Module ${moduleOf.get(moduleId)?.position ?? '?'}`;
	// "Module 3 reflection", or "Module 3 reflection 2" where the module asks more than one.
	const reflectionLabel = (moduleId: string, position: number) =>
		`${label(moduleId)} reflection${(moduleOf.get(moduleId)?.reflections.length ?? 1) > 1 ? ` ${position}` : ''}`;
	const quizLabel = (quizId: string) => `Module ${moduleByQuiz.get(quizId)?.position ?? '?'} quiz`;
	const out: Sortable[] = [];

	const originalDue =
		[...extensions].sort((a, b) => a.created_at.localeCompare(b.created_at))[0]?.previous_due_date ?? e.due_date;
	out.push({
		at: e.created_at,
		kind: 'referral',
		title: 'Referred by the court',
		detail: `Due ${longDate(originalDue)}`,
		by: clerk?.name
	});
	if (e.notice_acknowledged_at && e.notice_acknowledged_at !== e.activated_at)
		out.push({ at: e.notice_acknowledged_at, kind: 'activation', title: 'Acknowledged the data practices notice' });
	if (e.activated_at) out.push({ at: e.activated_at, kind: 'activation', title: 'Activated his account' });

	for (const p of progress)
		out.push({
			at: p.started_at,
			kind: 'module',
			title: `Started ${label(p.module_id)}: ${moduleOf.get(p.module_id)?.title ?? ''}`.trim()
		});
	for (const a of attempts) {
		if (a.submitted_at) {
			const ok = Number(a.passed) === 1;
			out.push({
				at: a.submitted_at,
				kind: 'quiz',
				title: `${quizLabel(a.quiz_id)}, attempt ${a.attempt_no}: ${Number(a.score ?? 0)}%, ${ok ? 'passed' : 'not passed'}`,
				tone: ok ? 'ok' : 'warn'
			});
		} else
			out.push({
				at: a.started_at,
				kind: 'quiz',
				title: `${quizLabel(a.quiz_id)}, attempt ${a.attempt_no} started (not submitted)`
			});
	}
	for (const u of unlocks)
		out.push({
			at: u.created_at,
			kind: 'unlock',
			title: `${quizLabel(u.quiz_id)} unlocked for one more attempt`,
			detail: forCourt ? undefined : u.reason,
			by: u.name
		});
	for (const s of submissions)
		out.push({
			at: s.submitted_at,
			kind: 'reflection',
			title: `${reflectionLabel(s.module_id, Number(s.position))} submitted (version ${s.version})`
		});
	const completions = moduleCompletions(state, attempts, submissions);
	for (const m of state.modules) {
		const at = completions.get(m.moduleId);
		if (at) out.push({ at, kind: 'module', title: `Completed ${label(m.moduleId)}: ${m.title}`, tone: 'ok' });
	}
	for (const g of grades) {
		const ok = g.outcome === 'satisfactory';
		out.push({
			at: g.graded_at,
			kind: 'grade',
			title: `${reflectionLabel(g.module_id, Number(g.position))}, version ${g.version}: ${ok ? 'satisfactory' : 'returned for revision'}`,
			detail: (!forCourt && g.feedback) || undefined,
			by: g.name,
			tone: ok ? 'ok' : 'warn'
		});
	}
	for (const s of sessions) {
		out.push({
			at: s.registered_at,
			kind: 'session',
			title: `Registered for live session "${s.title}"`,
			detail: `Session on ${zonedDateTime(s.starts_at, state.settings.timeZone)}`
		});
		if (s.cancelled_at)
			out.push({ at: s.cancelled_at, kind: 'session', title: `Registration cancelled: "${s.title}"` });
		if (s.marked_at && s.attendance) {
			out.push({
				at: s.marked_at,
				kind: 'session',
				title: `Attendance at "${s.title}": ${ATTENDANCE[s.attendance] ?? s.attendance}`,
				detail: s.participation_grade ? `Participation: ${s.participation_grade}` : undefined,
				by: s.markedBy ?? undefined,
				tone: s.attendance === 'present' ? 'ok' : s.attendance === 'absent' ? 'bad' : 'warn'
			});
		}
	}
	for (const f of fees) {
		const status = (JSON.parse(f.details_json) as { status?: string }).status ?? 'changed';
		out.push({ at: f.at, kind: 'fee', title: `Program fee recorded as ${status}`, by: f.name ?? undefined });
	}
	for (const n of notes) out.push({ at: n.created_at, kind: 'note', title: 'Case note', detail: n.body, by: n.name });
	for (const x of extensions)
		out.push({
			at: x.created_at,
			kind: 'extension',
			title: `Due date extended from ${longDate(x.previous_due_date)} to ${longDate(x.new_due_date)}`,
			detail: `Court order ${x.order_reference}`,
			by: x.name
		});
	if (e.attested_at)
		out.push({
			at: e.attested_at,
			kind: 'attestation',
			title: 'Signed the attestation',
			detail: e.attestation_name ? `Typed name: ${e.attestation_name}` : undefined
		});
	if (signoff)
		out.push({ at: signoff.signed_at, kind: 'signoff', title: 'Completion signed off', by: signoff.name, tone: 'ok' });
	for (const c of certificates) {
		// Issue times are kept to the second: it happened within that second, after the sign-off.
		out.push({
			at: c.issued_at,
			kind: 'certificate',
			title: `Certificate ${c.serial} issued`,
			tone: 'ok',
			sortMs: Date.parse(c.issued_at) + 999
		});
		if (c.revoked_at)
			out.push({
				at: c.revoked_at,
				kind: 'certificate',
				title: `Certificate ${c.serial} revoked`,
				detail: c.revoke_reason ?? undefined,
				tone: 'bad'
			});
		const successor = c.superseded_by ? certificates.find((x) => x.serial === c.superseded_by) : undefined;
		if (c.superseded_by)
			out.push({
				at: successor?.issued_at ?? c.issued_at,
				kind: 'certificate',
				title: `Certificate ${c.serial} superseded by ${c.superseded_by}`
			});
	}
	// Newest first; at the same instant, the order they were listed in above, which is the order
	// things happen in (the reflection that completes a module, then the completion).
	const key = (ev: Sortable) => ev.sortMs ?? Date.parse(ev.at);
	return out
		.map((ev, i) => ({ ev, i }))
		.sort((a, b) => key(b.ev) - key(a.ev) || b.i - a.i)
		.map(({ ev: { sortMs: _, ...ev } }) => ev);
}
