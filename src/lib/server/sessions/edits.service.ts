// Editing a scheduled session (staff of its program only). The same plan rules as scheduling, then
// the rules of a change (see domain/session-changes.ts), under the session's lock, audited with what
// changed. A change of time or place is stamped so that its registrants see a notice.
import {
	checkSessionPlan,
	sessionStatus,
	type PlanField,
	type PlanProblem,
	type SessionPlan
} from '../../domain/live-sessions';
import { utcToZoned, zonedToUtc } from '../../domain/local-time';
import {
	checkSessionEdit,
	placeChanged,
	planChanges,
	timeChanged,
	type EditRefusal
} from '../../domain/session-changes';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { programSettings, sessionInScope } from './scope';
import { lockSession, registrationCounts, type LiveSessionRow } from './sessions.queries';

export interface EditInput {
	title: string;
	kind: string;
	mode: string;
	location: string;
	url: string;
	/** "YYYY-MM-DDTHH:MM" in the program's time zone. */
	startsLocal: string;
	endsLocal: string;
	capacity: number;
}

export type EditResult =
	| { ok: true; changed: PlanField[]; registrantsTold: boolean }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'invalid'; field: PlanField; problem: PlanProblem }
	| ({ ok: false; reason: 'refused' } & EditRefusal);

export function storedPlan(s: LiveSessionRow): SessionPlan {
	return {
		title: s.title,
		kind: s.kind,
		mode: s.mode,
		location: s.location ?? '',
		url: s.url ?? '',
		startsAt: s.starts_at,
		endsAt: s.ends_at,
		capacity: Number(s.capacity)
	};
}

/** The stored columns of a plan (storedPlan's inverse): a place only in person, a link only when virtual. */
export function planColumns(plan: SessionPlan) {
	return {
		title: plan.title,
		kind: plan.kind,
		mode: plan.mode as 'in_person' | 'virtual',
		location: plan.mode === 'in_person' ? plan.location : null,
		url: plan.mode === 'virtual' ? plan.url : null,
		starts_at: plan.startsAt!,
		ends_at: plan.endsAt!,
		capacity: plan.capacity
	};
}

/** Audit details: which fields changed, old → new for time, place, kind and capacity; never the title or link text. */
function changeDetails(changed: PlanField[], before: SessionPlan, after: SessionPlan) {
	const details: Record<string, string> = { changed: changed.join(',') };
	for (const f of ['kind', 'mode', 'location', 'startsAt', 'endsAt', 'capacity'] as const) {
		if (changed.includes(f)) details[f] = `${before[f] || '(none)'} → ${after[f] || '(none)'}`;
	}
	return details;
}

export async function editSession(
	db: Db,
	user: UserIdentity,
	sessionId: string,
	input: EditInput,
	ip?: string
): Promise<EditResult> {
	const found = await sessionInScope(db, user, sessionId);
	if (!found) return { ok: false, reason: 'not_found' };
	const { timeZone } = await programSettings(db, found.program_id);
	return db.transaction().execute(async (trx): Promise<EditResult> => {
		const s = (await lockSession(trx, sessionId))!;
		const now = clock.now();
		const status = sessionStatus(s, now);
		if (status === 'cancelled' || status === 'ended') return { ok: false, reason: 'refused', problem: status };
		// A time sent back as shown keeps its stored instant (a repeated hour at a DST change reads back the same).
		const instant = (local: string, stored: string) =>
			local === utcToZoned(stored, timeZone) ? stored : zonedToUtc(local, timeZone);
		const before = storedPlan(s);
		const after: SessionPlan = {
			title: input.title.trim(),
			kind: input.kind,
			mode: input.mode,
			location: input.mode === 'in_person' ? input.location.trim() : '',
			url: input.mode === 'virtual' ? input.url.trim() : '',
			startsAt: instant(input.startsLocal, s.starts_at),
			endsAt: instant(input.endsLocal, s.ends_at),
			capacity: input.capacity
		};
		const changed = planChanges(before, after);
		if (!changed.length) return { ok: true, changed, registrantsTold: false };
		const problem = checkSessionPlan(after, now);
		if (problem) return { ok: false, reason: 'invalid', ...problem };
		const { registered, marked } = (await registrationCounts(trx, [sessionId])).get(sessionId) ?? {
			registered: 0,
			marked: 0
		};
		const refusal = checkSessionEdit(status, changed, { registered, marked, capacityAfter: after.capacity });
		if (refusal) return { ok: false, reason: 'refused', ...refusal };

		const at = clock.iso();
		await trx
			.updateTable('live_sessions')
			.set({
				...planColumns(after),
				...(timeChanged(changed) ? { time_changed_at: at } : {}),
				...(placeChanged(changed) ? { place_changed_at: at } : {})
			})
			.where('id', '=', sessionId)
			.execute();
		const registrantsTold = registered > 0 && (timeChanged(changed) || placeChanged(changed));
		await audit(trx, {
			actorId: user.id,
			action: 'session.edit',
			targetType: 'live_session',
			targetId: sessionId,
			ip,
			details: { ...changeDetails(changed, before, after), registered }
		});
		return { ok: true, changed, registrantsTold };
	});
}
