export type Compliance = 'not_started' | 'on_track' | 'at_risk' | 'overdue' | 'completed' | 'withdrawn';

/** The court's view of a referral on a given day (dates as YYYY-MM-DD). */
export function compliance(e: { status: string; due_date: string; completed_at: string | null }, todayIso: string, activated: boolean): Compliance {
	if (e.status === 'completed') return 'completed';
	if (e.status === 'withdrawn') return 'withdrawn';
	if (e.due_date < todayIso) return 'overdue';
	const days = (Date.parse(e.due_date) - Date.parse(todayIso)) / 86_400_000;
	if (days <= 7) return 'at_risk';
	return activated ? 'on_track' : 'not_started';
}

export const complianceLabels: Record<Compliance, string> = {
	not_started: 'Not started',
	on_track: 'On track',
	at_risk: 'Due within 7 days',
	overdue: 'Overdue',
	completed: 'Completed',
	withdrawn: 'Withdrawn'
};
