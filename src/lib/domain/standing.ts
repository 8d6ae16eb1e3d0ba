// A participant's standing against his due date: the one rule (pure; no I/O) behind the court dashboard,
// the court's CSV, the evidence packet, the facilitators' oversight pages and any notice about it.
//
// "At risk" means: due within RISK_WINDOW_DAYS and not on track. Within that window he is on track
// when every module is already done (what is left is grading, the fee, his attestation and the
// sign-off), or else when all of these hold:
//   - the module time he still needs fits before the due date at PACE_SECONDS_PER_DAY a day
//     (the due day counts; the one-day class is ~8 hours, so a week at an hour a day is plausible);
//   - he was active in the last INACTIVE_AFTER_DAYS days;
//   - no quiz is locked (he cannot go on until a facilitator unlocks it).
// Past the due date without completion he is overdue, whatever his progress.

export const RISK_WINDOW_DAYS = 7;
export const PACE_SECONDS_PER_DAY = 60 * 60;
export const INACTIVE_AFTER_DAYS = 7;

export type Standing = 'completed' | 'withdrawn' | 'not_started' | 'on_track' | 'at_risk' | 'overdue';
export type RiskReason = 'not_activated' | 'time_left' | 'inactive' | 'quiz_locked';

export interface StandingInput {
	status: string;
	/** YYYY-MM-DD (local date, extensions already applied). */
	dueDate: string;
	/** YYYY-MM-DD where the court is. */
	today: string;
	activated: boolean;
	modulesRemaining: number;
	/** Required module time not yet done, over the incomplete modules. */
	remainingSeatSeconds: number;
	quizLocked: boolean;
	/** ISO instant of his latest activity, or null. */
	lastActivityAt: string | null;
	now: Date;
}

export interface StandingResult {
	standing: Standing;
	/** Days from today to the due date: 0 = due today, negative = overdue by that many days. */
	daysLeft: number;
	/** Why he is not on track (empty when he is). */
	reasons: RiskReason[];
}

export function daysBetween(fromIsoDate: string, toIsoDate: string): number {
	return Math.round((Date.parse(`${toIsoDate}T00:00:00Z`) - Date.parse(`${fromIsoDate}T00:00:00Z`)) / 86_400_000);
}

export function standingOf(s: StandingInput): StandingResult {
	const daysLeft = daysBetween(s.today, s.dueDate);
	if (s.status === 'completed') return { standing: 'completed', daysLeft, reasons: [] };
	if (s.status === 'withdrawn') return { standing: 'withdrawn', daysLeft, reasons: [] };
	const reasons: RiskReason[] = [];
	if (!s.activated) reasons.push('not_activated');
	else if (s.modulesRemaining > 0) {
		if (s.remainingSeatSeconds > (Math.max(daysLeft, 0) + 1) * PACE_SECONDS_PER_DAY) reasons.push('time_left');
		const idleMs = s.lastActivityAt ? s.now.getTime() - Date.parse(s.lastActivityAt) : Infinity;
		if (idleMs > INACTIVE_AFTER_DAYS * 86_400_000) reasons.push('inactive');
		if (s.quizLocked) reasons.push('quiz_locked');
	}
	if (daysLeft < 0) return { standing: 'overdue', daysLeft, reasons };
	if (daysLeft <= RISK_WINDOW_DAYS && reasons.length) return { standing: 'at_risk', daysLeft, reasons };
	if (!s.activated) return { standing: 'not_started', daysLeft, reasons };
	return { standing: 'on_track', daysLeft, reasons: [] };
}

export const standingLabels: Record<Standing, string> = {
	completed: 'Completed',
	withdrawn: 'Withdrawn',
	not_started: 'Not started',
	on_track: 'On track',
	at_risk: 'At risk',
	overdue: 'Overdue'
};

/** Why he is not on track, in words a court clerk reads (the facilitators' table adds the figures). */
export const riskReasonLabels: Record<RiskReason, string> = {
	not_activated: 'account not activated',
	time_left: 'the module time left does not fit before the due date',
	inactive: 'no activity for over a week',
	quiz_locked: 'a quiz is locked'
};
