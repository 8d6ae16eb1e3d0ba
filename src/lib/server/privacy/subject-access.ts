// A participant's access to the data the program keeps about him (Minn. Stat. § 13.04 subd. 3): everything
// stored about his enrollment, in words, on one page and as a JSON download. Only his own enrollment;
// staff read participants' records through their own pages, which log that access. Staff case notes
// are counted, not shown: the program reviews them before release (classification under ch. 13).
import {
	ATTENDANCE_LABELS,
	PARTICIPATION_LABELS,
	sessionKindLabel,
	type ParticipationGrade
} from '../../domain/live-sessions';
import { whereInScope } from '../access';
import { auditAlone } from '../audit/audit';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';

/** Everything the program holds about the signed-in participant himself (his subject access request). */
export async function ownRecord(db: Db, user: UserIdentity) {
	const e = await db
		.selectFrom('enrollments')
		.innerJoin('courts', 'courts.id', 'enrollments.court_id')
		.innerJoin('programs', 'programs.id', 'enrollments.program_id')
		.selectAll('enrollments')
		.select(['courts.name as court_name', 'programs.name as program_name', 'programs.provider as provider'])
		.where(whereInScope(user, 'own'))
		.where('enrollments.purged_at', 'is', null)
		.executeTakeFirst();
	if (!e) return undefined;
	const account = await db
		.selectFrom('users')
		.select(['email', 'created_at'])
		.where('id', '=', user.id)
		.executeTakeFirstOrThrow();

	const [extensions, modules, attempts, reflections, sessions, certificates, notes] = await Promise.all([
		db
			.selectFrom('due_date_extensions')
			.select(['previous_due_date', 'new_due_date', 'order_reference', 'created_at'])
			.where('enrollment_id', '=', e.id)
			.orderBy('created_at')
			.execute(),
		db
			.selectFrom('module_progress')
			.innerJoin('modules', 'modules.id', 'module_progress.module_id')
			.select([
				'modules.position',
				'modules.title',
				'module_progress.seat_seconds',
				'module_progress.started_at',
				'module_progress.last_activity_at',
				'module_progress.completed_at'
			])
			.where('module_progress.enrollment_id', '=', e.id)
			.orderBy('modules.position')
			.execute(),
		db
			.selectFrom('quiz_attempts')
			.innerJoin('quizzes', 'quizzes.id', 'quiz_attempts.quiz_id')
			.innerJoin('modules', 'modules.id', 'quizzes.module_id')
			.select([
				'modules.position',
				'modules.title',
				'quiz_attempts.attempt_no',
				'quiz_attempts.started_at',
				'quiz_attempts.submitted_at',
				'quiz_attempts.score',
				'quiz_attempts.passed'
			])
			.where('quiz_attempts.enrollment_id', '=', e.id)
			.orderBy('modules.position')
			.orderBy('quiz_attempts.attempt_no')
			.execute(),
		db
			.selectFrom('reflection_submissions as s')
			.innerJoin('reflection_prompts as p', 'p.id', 's.prompt_id')
			.innerJoin('modules as m', 'm.id', 'p.module_id')
			.leftJoin('reflection_grades as g', 'g.submission_id', 's.id')
			.select([
				'm.position',
				'm.title',
				'p.prompt',
				's.version',
				's.body',
				's.status',
				's.submitted_at',
				'g.outcome',
				'g.feedback',
				'g.graded_at'
			])
			.where('s.enrollment_id', '=', e.id)
			.orderBy('m.position')
			.orderBy('p.position')
			.orderBy('s.version')
			.execute(),
		db
			.selectFrom('session_registrations as r')
			.innerJoin('live_sessions as l', 'l.id', 'r.session_id')
			.select([
				'l.title',
				'l.kind',
				'l.starts_at',
				'l.ends_at',
				'l.cancelled_at as session_cancelled_at',
				'r.registered_at',
				'r.cancelled_at',
				'r.attendance',
				'r.participation_grade',
				'r.participation_note'
			])
			.where('r.enrollment_id', '=', e.id)
			.orderBy('l.starts_at')
			.execute(),
		db
			.selectFrom('certificates')
			.select(['serial', 'status', 'issued_at', 'revoked_at', 'revoke_reason', 'superseded_by'])
			.where('enrollment_id', '=', e.id)
			.orderBy('issued_at')
			.execute(),
		db
			.selectFrom('case_notes')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enrollment_id', '=', e.id)
			.executeTakeFirstOrThrow()
	]);

	return {
		account: { email: account.email, createdAt: account.created_at },
		referral: {
			legalName: e.legal_name,
			dateOfBirth: e.date_of_birth,
			caseNumber: e.case_number,
			offence: e.offence,
			offenceDate: e.offence_date,
			registrationNumber: e.registration_number,
			court: e.court_name,
			program: e.program_name,
			provider: e.provider,
			referralDate: e.referral_date,
			dueDate: e.due_date,
			email: e.email,
			phone: e.phone,
			status: e.status
		},
		notice: { version: e.notice_version, acknowledgedAt: e.notice_acknowledged_at },
		activatedAt: e.activated_at,
		extensions: extensions.map((x) => ({
			previousDueDate: x.previous_due_date,
			newDueDate: x.new_due_date,
			orderReference: x.order_reference,
			recordedAt: x.created_at
		})),
		fee: { status: e.fee_status, recordedAt: e.fee_recorded_at },
		modules: modules.map((m) => ({
			module: `${m.position}. ${m.title}`,
			seatSeconds: Number(m.seat_seconds),
			startedAt: m.started_at,
			lastActivityAt: m.last_activity_at,
			completedAt: m.completed_at
		})),
		quizAttempts: attempts.map((a) => ({
			module: `${a.position}. ${a.title}`,
			attempt: Number(a.attempt_no),
			startedAt: a.started_at,
			submittedAt: a.submitted_at,
			score: a.score === null ? null : Number(a.score),
			passed: a.passed === null ? null : Number(a.passed) === 1
		})),
		reflections: reflections.map((r) => ({
			module: `${r.position}. ${r.title}`,
			prompt: r.prompt,
			version: Number(r.version),
			text: r.body,
			submittedAt: r.submitted_at,
			status: r.status,
			grade: r.outcome ? { outcome: r.outcome, feedback: r.feedback, gradedAt: r.graded_at } : null
		})),
		liveSessions: sessions.map((s) => ({
			title: s.title,
			kind: sessionKindLabel(s.kind),
			startsAt: s.starts_at,
			endsAt: s.ends_at,
			sessionCancelled: !!s.session_cancelled_at,
			registeredAt: s.registered_at,
			registrationCancelledAt: s.cancelled_at,
			attendance: s.attendance ? ATTENDANCE_LABELS[s.attendance] : null,
			participation: s.participation_grade ? PARTICIPATION_LABELS[s.participation_grade as ParticipationGrade] : null,
			participationNote: s.participation_note
		})),
		attestation: e.attested_at ? { name: e.attestation_name, signedAt: e.attested_at } : null,
		completedAt: e.completed_at,
		certificates: certificates.map((c) => ({
			serial: c.serial,
			status: c.status,
			issuedAt: c.issued_at,
			revokedAt: c.revoked_at,
			revokeReason: c.revoke_reason,
			supersededBy: c.superseded_by
		})),
		staffCaseNotes: Number(notes.n)
	};
}

export type OwnRecord = NonNullable<Awaited<ReturnType<typeof ownRecord>>>;

/** A download of the record is a disclosure: logged like any other (ids only). */
export async function logRecordExport(db: Db, user: UserIdentity, ip?: string): Promise<void> {
	await auditAlone(db, {
		actorId: user.id,
		action: 'participant.record.export',
		targetType: 'user',
		targetId: user.id,
		ip
	});
}
