import { readyForAttestation } from '../../domain/completion';
import type { Db } from '../db';
import { sessionNotices } from '../sessions/registrations.service';
import type { UserIdentity } from '../users/users.queries';
import { loadCourseState, type CourseState } from './evidence';
import { findOwnEnrollment } from './participant';

export interface NextStep {
	label: string;
	href: string | null;
	detail: string;
}

/** The one next thing the participant should do, from the measured state. */
export function nextStep(state: CourseState, hasCertificate: boolean): NextStep {
	if (hasCertificate)
		return { label: 'Download your certificate', href: '/learn/complete', detail: 'You have completed the program.' };
	// A returned reflection comes first: the facilitator is waiting on it, and it blocks completion.
	const revise = state.modules.find((m) => m.reflections.some((r) => r.status === 'needs_revision'));
	if (revise)
		return {
			label: `Revise your module ${revise.position} reflection`,
			href: `/learn/modules/${revise.moduleId}#reflections`,
			detail: 'A facilitator asked for a revision. Read the feedback and resubmit.'
		};
	for (const m of state.modules) {
		if (m.complete) continue;
		const href = `/learn/modules/${m.moduleId}`;
		if (m.seatSeconds < m.requiredSeconds)
			return {
				label: `Continue module ${m.position}: ${m.title}`,
				href,
				detail: 'Read the module. Your time is counted while the page is open and you are active.'
			};
		if (!m.quizPassed) {
			return m.quizLocked
				? {
						label: `Module ${m.position} quiz is locked`,
						href: null,
						detail: 'You have used every attempt. A facilitator must unlock it; contact the program.'
					}
				: {
						label: `Take the module ${m.position} quiz`,
						href: `${href}/quiz`,
						detail: `You need ${m.passMark}% to pass.`
					};
		}
		return {
			label: `Write your module ${m.position} reflection`,
			href: `${href}#reflections`,
			detail: 'Answer the reflection question in your own words.'
		};
	}
	const req = (k: string) => state.requirements.find((r) => r.key === k)!;
	if (!req('reflections').met) {
		return {
			label: 'Wait for your reflections to be graded',
			href: null,
			detail: 'A facilitator will read them. Check back soon.'
		};
	}
	if (!req('sessions').met)
		return { label: 'Attend the required live sessions', href: '/learn/sessions', detail: req('sessions').detail };
	if (!req('fee').met)
		return {
			label: 'Pay the program fee',
			href: null,
			detail: 'Contact the program to pay the fee or ask about a waiver. Staff record it here.'
		};
	if (readyForAttestation(state.requirements) && !state.enrollment.attested_at)
		return {
			label: 'Sign your attestation',
			href: '/learn/complete',
			detail: 'Confirm that you did all the coursework yourself.'
		};
	return {
		label: 'Waiting for facilitator review',
		href: null,
		detail: 'A facilitator will review your work and sign off. Your certificate will appear here.'
	};
}

export async function participantDashboard(db: Db, user: UserIdentity) {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return undefined;
	const [state, certificate, court] = await Promise.all([
		loadCourseState(db, enrollment),
		db
			.selectFrom('certificates')
			.select(['id', 'serial', 'issued_at'])
			.where('enrollment_id', '=', enrollment.id)
			.where('status', '=', 'valid')
			.executeTakeFirst(),
		db.selectFrom('courts').select('name').where('id', '=', enrollment.court_id).executeTakeFirstOrThrow()
	]);
	const notices = await sessionNotices(db, enrollment.id, state.settings.timeZone);
	return {
		state,
		certificate: certificate ?? null,
		courtName: court.name,
		next: nextStep(state, !!certificate),
		sessionNotices: notices
	};
}
