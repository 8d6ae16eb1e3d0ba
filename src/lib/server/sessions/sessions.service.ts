// Live sessions, the staff side: schedule, cancel, list, roster and attendance. Every function checks
// role and program scope first; a session of another program answers "not found". The participant
// side (list, register, cancel, change notices) is in registrations.service.ts, editing a session in
// edits.service.ts and walk-ins in walk-ins.service.ts; all are re-exported here.
import {
	ATTENDANCE_LABELS,
	PARTICIPATION_LABELS,
	attendanceCounts,
	checkSessionPlan,
	sessionKindLabel,
	sessionStatus,
	type Attendance,
	type ParticipationGrade,
	type PlanField,
	type PlanProblem
} from '../../domain/live-sessions';
import { formatSessionTime, utcToZoned, zoneName, zonedToUtc } from '../../domain/local-time';
import { localDate, parseProgramSettings } from '../../domain/program-settings';
import { walkInOpen } from '../../domain/session-changes';
import { mayManageProgram, programsInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import { newId } from '../ids';
import type { UserIdentity } from '../users/users.queries';
import { isUniqueViolation } from '../users/users.service';
import { planColumns, type EditInput } from './edits.service';
import { sessionInScope } from './scope';
import {
	lockSession,
	programSessions,
	programsById,
	registrationCounts,
	roster,
	walkInCandidates,
	type LiveSessionRow
} from './sessions.queries';

export * from './registrations.service';
export * from './edits.service';
export * from './walk-ins.service';

/** What an edit can change, plus the program and the form's one-time token. */
export interface ScheduleInput extends EditInput {
	programId: string;
	/** The form's one-time token: a repeated submit returns the session the first one created. */
	formToken?: string;
}

export type ScheduleResult =
	| { ok: true; id: string; duplicate: boolean }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'invalid'; field: PlanField; problem: PlanProblem };

export async function scheduleSession(
	db: Db,
	user: UserIdentity,
	input: ScheduleInput,
	ip?: string
): Promise<ScheduleResult> {
	if (!mayManageProgram(user, input.programId, 'staff')) return { ok: false, reason: 'not_found' };
	const program = await db
		.selectFrom('programs')
		.select('settings_json')
		.where('id', '=', input.programId)
		.executeTakeFirst();
	if (!program) return { ok: false, reason: 'not_found' };
	const { timeZone } = parseProgramSettings(program.settings_json);
	const plan = {
		title: input.title.trim(),
		kind: input.kind,
		mode: input.mode,
		location: input.location.trim(),
		url: input.url.trim(),
		startsAt: zonedToUtc(input.startsLocal, timeZone),
		endsAt: zonedToUtc(input.endsLocal, timeZone),
		capacity: input.capacity
	};
	const problem = checkSessionPlan(plan, clock.now());
	if (problem) return { ok: false, reason: 'invalid', ...problem };

	const byToken = async () =>
		input.formToken
			? db
					.selectFrom('live_sessions')
					.select('id')
					.where('program_id', '=', input.programId)
					.where('form_token', '=', input.formToken)
					.executeTakeFirst()
			: undefined;
	const earlier = await byToken();
	if (earlier) return { ok: true, id: earlier.id, duplicate: true };
	const id = newId();
	try {
		await db.transaction().execute(async (trx) => {
			await trx
				.insertInto('live_sessions')
				.values({
					id,
					program_id: input.programId,
					...planColumns(plan),
					created_by: user.id,
					created_at: clock.iso(),
					form_token: input.formToken ?? null
				})
				.execute();
			await audit(trx, {
				actorId: user.id,
				action: 'session.schedule',
				targetType: 'live_session',
				targetId: id,
				ip,
				details: { kind: plan.kind, mode: plan.mode, capacity: plan.capacity, startsAt: plan.startsAt }
			});
		});
	} catch (e) {
		// Two submits of one form at the same moment: the second loses the unique token race.
		const winner = isUniqueViolation(e) ? await byToken() : undefined;
		if (winner) return { ok: true, id: winner.id, duplicate: true };
		throw e;
	}
	return { ok: true, id, duplicate: false };
}

export type CancelSessionResult = { ok: true } | { ok: false; reason: 'not_found' | 'ended' | 'attendance_taken' };

/** Cancels a session that has not ended and has no attendance; its registrants then see it as cancelled. */
export async function cancelSession(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	ip?: string
): Promise<CancelSessionResult> {
	if (!(await sessionInScope(db, user, sessionId))) return { ok: false, reason: 'not_found' };
	return db.transaction().execute(async (trx): Promise<CancelSessionResult> => {
		const s = (await lockSession(trx, sessionId))!;
		if (s.cancelled_at) return { ok: true };
		if (sessionStatus(s, clock.now()) === 'ended') return { ok: false, reason: 'ended' };
		const { registered, marked } = (await registrationCounts(trx, [sessionId])).get(sessionId) ?? {
			registered: 0,
			marked: 0
		};
		if (marked) return { ok: false, reason: 'attendance_taken' };
		await trx.updateTable('live_sessions').set({ cancelled_at: clock.iso() }).where('id', '=', sessionId).execute();
		await audit(trx, {
			actorId: user.id,
			action: 'session.cancel',
			targetType: 'live_session',
			targetId: sessionId,
			ip,
			details: { registered }
		});
		return { ok: true };
	});
}

function sessionView(s: LiveSessionRow, timeZone: string, registered: number, now: Date) {
	return {
		id: s.id,
		title: s.title,
		kind: s.kind,
		kindLabel: sessionKindLabel(s.kind),
		mode: s.mode,
		location: s.location,
		url: s.url,
		when: formatSessionTime(s.starts_at, s.ends_at, timeZone),
		startsAt: s.starts_at,
		endsAt: s.ends_at,
		capacity: Number(s.capacity),
		registered,
		status: sessionStatus(s, now)
	};
}
export type StaffSessionView = ReturnType<typeof sessionView> & { marked: number };

/** The sessions of the user's programs: not yet ended (soonest first) and the latest ended ones. */
export async function staffSessions(db: Db, user: UserIdentity) {
	const programIds = programsInScope(user, 'staff');
	if (!programIds.length) return undefined;
	const now = clock.now();
	const [upcoming, past, programs] = await Promise.all([
		programSessions(db, programIds, { endingAfter: now.toISOString() }),
		programSessions(db, programIds, { endedBefore: now.toISOString(), limit: 30 }),
		programsById(db, programIds)
	]);
	const ids = [...upcoming, ...past].map((s) => s.id);
	const counts = await registrationCounts(db, ids);
	const zone = (programId: string) => parseProgramSettings(programs.get(programId)!.settingsJson).timeZone;
	const view = (s: LiveSessionRow): StaffSessionView => ({
		...sessionView(s, zone(s.program_id), counts.get(s.id)?.registered ?? 0, now),
		marked: counts.get(s.id)?.marked ?? 0
	});
	return {
		upcoming: upcoming.map(view),
		past: past.map(view),
		programs: [...programs].map(([id, p]) => ({ id, name: p.name, timeZone: zone(id), zoneName: zoneName(zone(id)) }))
	};
}

/** The edit form's starting values: the session as stored, times in the program's zone. */
function editValues(s: LiveSessionRow, timeZone: string): Record<string, string> {
	return {
		title: s.title,
		kind: s.kind,
		mode: s.mode,
		location: s.location ?? '',
		url: s.url ?? '',
		startsLocal: utcToZoned(s.starts_at, timeZone),
		endsLocal: utcToZoned(s.ends_at, timeZone),
		capacity: String(s.capacity)
	};
}

/** A session with its roster (names and case numbers): the view is audited as staff access to records. */
export async function sessionForStaff(db: Db, user: UserIdentity, sessionId: string, ip?: string) {
	const s = await sessionInScope(db, user, sessionId);
	if (!s) return undefined;
	const [program, rows] = await Promise.all([
		db
			.selectFrom('programs')
			.select(['name', 'settings_json'])
			.where('id', '=', s.program_id)
			.executeTakeFirstOrThrow(),
		roster(db, s.id)
	]);
	const settings = parseProgramSettings(program.settings_json);
	const now = clock.now();
	const session = sessionView(s, settings.timeZone, rows.length, now);
	const canAddWalkIn = walkInOpen({ starts_at: s.starts_at, status: session.status }, now, (iso) =>
		localDate(iso, settings.timeZone)
	);
	const candidates = canAddWalkIn ? await walkInCandidates(db, s.program_id, s.id) : [];
	await db.transaction().execute((trx) =>
		audit(trx, {
			actorId: user.id,
			action: 'session.roster.view',
			targetType: 'live_session',
			targetId: s.id,
			ip,
			details: { registrants: rows.length, walkInChoices: candidates.length }
		})
	);
	const canEdit = session.status === 'upcoming' || session.status === 'in_progress';
	return {
		session,
		programName: program.name,
		zoneName: zoneName(settings.timeZone),
		required: settings.requiredSessionKinds.includes(s.kind),
		lateCountsAsPresent: settings.lateCountsAsPresent,
		canTakeAttendance: session.status === 'in_progress' || session.status === 'ended',
		canCancel: canEdit && rows.every((r) => !r.attendance),
		canEdit,
		// Once attendance is taken only the title, place and link may change.
		fixedAfterAttendance: rows.some((r) => r.attendance),
		editValues: canEdit ? editValues(s, settings.timeZone) : null,
		canAddWalkIn,
		walkInCandidates: candidates.map((c) => ({
			enrollmentId: c.id,
			legalName: c.legal_name,
			caseNumber: c.case_number
		})),
		roster: rows.map((r) => ({
			enrollmentId: r.enrollment_id,
			legalName: r.legal_name,
			caseNumber: r.case_number,
			walkIn: r.walk_in_by !== null,
			attendance: r.attendance,
			attendanceLabel: r.attendance ? ATTENDANCE_LABELS[r.attendance] : null,
			grade: r.participation_grade as ParticipationGrade | null,
			gradeLabel: r.participation_grade ? PARTICIPATION_LABELS[r.participation_grade as ParticipationGrade] : null,
			note: r.participation_note ?? '',
			counts: attendanceCounts(r.attendance, settings.lateCountsAsPresent)
		}))
	};
}

export interface AttendanceMark {
	enrollmentId: string;
	/** null: not marked in this submit (the row is left as it is). */
	attendance: Attendance | null;
	grade: ParticipationGrade | null;
	note: string;
}
export type MarkProblem = 'grade_without_attendance' | 'note_without_attendance' | 'absent_with_grade';
export type AttendanceResult =
	| { ok: true; changed: number }
	| { ok: false; reason: 'not_found' | 'cancelled' | 'not_started' | 'not_on_roster' }
	| { ok: false; reason: 'invalid'; enrollmentId: string; problem: MarkProblem };

function markProblem(m: AttendanceMark): MarkProblem | null {
	if (!m.attendance && m.grade) return 'grade_without_attendance';
	if (!m.attendance && m.note.trim()) return 'note_without_attendance';
	if (m.attendance === 'absent' && m.grade && m.grade !== 'none') return 'absent_with_grade';
	return null;
}

/**
 * Records attendance, participation grade and note for many registrants in one transaction, once
 * the session has started. Corrections are allowed; each changed row writes its own audit entry.
 */
export async function markAttendance(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	marks: AttendanceMark[],
	ip?: string
): Promise<AttendanceResult> {
	if (!(await sessionInScope(db, user, sessionId))) return { ok: false, reason: 'not_found' };
	for (const m of marks) {
		const problem = markProblem(m);
		if (problem) return { ok: false, reason: 'invalid', enrollmentId: m.enrollmentId, problem };
	}
	const byEnrollment = new Map(marks.map((m) => [m.enrollmentId, m]));
	return db.transaction().execute(async (trx): Promise<AttendanceResult> => {
		const s = (await lockSession(trx, sessionId))!;
		const status = sessionStatus(s, clock.now());
		if (status === 'cancelled') return { ok: false, reason: 'cancelled' };
		if (status === 'upcoming') return { ok: false, reason: 'not_started' };
		const current = new Map((await roster(trx, sessionId)).map((r) => [r.enrollment_id, r]));
		if ([...byEnrollment.keys()].some((id) => !current.has(id))) return { ok: false, reason: 'not_on_roster' };
		let changed = 0;
		const at = clock.iso();
		for (const m of byEnrollment.values()) {
			if (!m.attendance) continue;
			const was = current.get(m.enrollmentId)!;
			const note = m.note.trim() || null;
			if (
				was.attendance === m.attendance &&
				was.participation_grade === m.grade &&
				(was.participation_note ?? null) === note
			)
				continue;
			await trx
				.updateTable('session_registrations')
				.set({
					attendance: m.attendance,
					participation_grade: m.grade,
					participation_note: note,
					marked_by: user.id,
					marked_at: at
				})
				.where('session_id', '=', sessionId)
				.where('enrollment_id', '=', m.enrollmentId)
				.execute();
			await audit(trx, {
				actorId: user.id,
				action: 'session.attendance',
				targetType: 'enrollment',
				targetId: m.enrollmentId,
				ip,
				details: { sessionId, attendance: m.attendance, grade: m.grade, corrected: was.attendance !== null }
			});
			changed++;
		}
		return { ok: true, changed };
	});
}
