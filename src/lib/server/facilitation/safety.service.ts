// Safety flags on reflections (see domain/safety.ts). Only facilitators and admins of the
// participant's program raise, see or resolve them; a participant and court staff never see them.
// Every step is audited (ids and the category only).
import { SAFETY_CATEGORIES, screenText, type SafetyCategory } from '../../domain/safety';
import { programsInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db, Tx } from '../db';
import { newId } from '../ids';
import type { UserIdentity } from '../users/users.queries';

/** Flags raised by the phrase screen when a reflection is submitted; call inside its transaction. */
export async function screenSubmission(
	trx: Tx,
	submission: { id: string; enrollmentId: string; body: string }
): Promise<SafetyCategory[]> {
	const found = screenText(submission.body);
	const at = clock.iso();
	for (const category of found) {
		const id = newId();
		await trx
			.insertInto('safety_flags')
			.values({
				id,
				submission_id: submission.id,
				enrollment_id: submission.enrollmentId,
				category,
				note: null,
				raised_by: null,
				raised_at: at,
				resolution: null,
				resolved_by: null,
				resolved_at: null
			})
			.execute();
		await audit(trx, {
			actorId: null,
			action: 'safety.flag',
			targetType: 'enrollment',
			targetId: submission.enrollmentId,
			details: { flagId: id, category, automatic: true }
		});
	}
	return found;
}

async function submissionInScope(db: Db, user: UserIdentity, submissionId: string) {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return undefined;
	return db
		.selectFrom('reflection_submissions as s')
		.innerJoin('enrollments as e', 'e.id', 's.enrollment_id')
		.select(['s.id', 's.enrollment_id'])
		.where('s.id', '=', submissionId)
		.where('e.program_id', 'in', programs)
		.where('e.purged_at', 'is', null)
		.executeTakeFirst();
}

export type RaiseResult =
	{ ok: true; id: string } | { ok: false; reason: 'not_found' | 'bad_category' | 'note_required' };

export async function raiseFlag(
	db: Db,
	user: UserIdentity,
	submissionId: string,
	input: { category: string; note: string },
	ip?: string
): Promise<RaiseResult> {
	const s = await submissionInScope(db, user, submissionId);
	if (!s) return { ok: false, reason: 'not_found' };
	if (!(SAFETY_CATEGORIES as readonly string[]).includes(input.category)) return { ok: false, reason: 'bad_category' };
	const note = input.note.trim();
	if (note.length < 5) return { ok: false, reason: 'note_required' };
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('safety_flags')
			.values({
				id,
				submission_id: s.id,
				enrollment_id: s.enrollment_id,
				category: input.category as SafetyCategory,
				note,
				raised_by: user.id,
				raised_at: clock.iso(),
				resolution: null,
				resolved_by: null,
				resolved_at: null
			})
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'safety.flag',
			targetType: 'enrollment',
			targetId: s.enrollment_id,
			ip,
			details: { flagId: id, category: input.category }
		});
	});
	return { ok: true, id };
}

export type ResolveResult =
	{ ok: true } | { ok: false; reason: 'not_found' | 'already_resolved' | 'resolution_required' };

/** Records what was done about a flag; the first resolution wins, a second is told so. */
export async function resolveFlag(
	db: Db,
	user: UserIdentity,
	flagId: string,
	resolution: string,
	ip?: string
): Promise<ResolveResult> {
	const programs = programsInScope(user, 'staff');
	const flag = programs.length
		? await db
				.selectFrom('safety_flags as f')
				.innerJoin('enrollments as e', 'e.id', 'f.enrollment_id')
				.select(['f.id', 'f.enrollment_id'])
				.where('f.id', '=', flagId)
				.where('e.program_id', 'in', programs)
				.executeTakeFirst()
		: undefined;
	if (!flag) return { ok: false, reason: 'not_found' };
	const text = resolution.trim();
	if (text.length < 10) return { ok: false, reason: 'resolution_required' };
	return db.transaction().execute(async (trx): Promise<ResolveResult> => {
		const u = await trx
			.updateTable('safety_flags')
			.set({ resolution: text, resolved_by: user.id, resolved_at: clock.iso() })
			.where('id', '=', flagId)
			.where('resolved_at', 'is', null)
			.executeTakeFirst();
		if (Number(u.numUpdatedRows) !== 1) return { ok: false, reason: 'already_resolved' };
		await audit(trx, {
			actorId: user.id,
			action: 'safety.resolve',
			targetType: 'enrollment',
			targetId: flag.enrollment_id,
			ip,
			details: { flagId }
		});
		return { ok: true };
	});
}

function flagQuery(db: Db, programs: string[]) {
	return db
		.selectFrom('safety_flags as f')
		.innerJoin('enrollments as e', 'e.id', 'f.enrollment_id')
		.innerJoin('reflection_submissions as s', 's.id', 'f.submission_id')
		.innerJoin('reflection_prompts as p', 'p.id', 's.prompt_id')
		.innerJoin('modules as m', 'm.id', 'p.module_id')
		.leftJoin('users as r', 'r.id', 'f.raised_by')
		.leftJoin('users as v', 'v.id', 'f.resolved_by')
		.select([
			'f.id',
			'f.category',
			'f.note',
			'f.raised_at',
			'f.resolution',
			'f.resolved_at',
			'f.submission_id',
			'f.enrollment_id',
			'e.legal_name',
			'e.case_number',
			'm.position',
			'm.title',
			'r.name as raised_by_name',
			'v.name as resolved_by_name'
		])
		.where('e.program_id', 'in', programs)
		.where('e.purged_at', 'is', null);
}

/** Open flags oldest first, then the latest resolved; viewing them is logged as staff access. */
export async function safetyQueue(db: Db, user: UserIdentity, ip?: string) {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return undefined;
	const [open, resolved] = await Promise.all([
		flagQuery(db, programs).where('f.resolved_at', 'is', null).orderBy('f.raised_at', 'asc').limit(200).execute(),
		flagQuery(db, programs).where('f.resolved_at', 'is not', null).orderBy('f.resolved_at', 'desc').limit(20).execute()
	]);
	await db
		.transaction()
		.execute((trx) =>
			audit(trx, { actorId: user.id, action: 'safety.queue.view', ip, details: { open: open.length } })
		);
	return { open, resolved };
}

export async function openSafetyCount(db: Db, user: UserIdentity): Promise<number> {
	const programs = programsInScope(user, 'staff');
	if (!programs.length) return 0;
	const row = await db
		.selectFrom('safety_flags as f')
		.innerJoin('enrollments as e', 'e.id', 'f.enrollment_id')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('e.program_id', 'in', programs)
		.where('e.purged_at', 'is', null)
		.where('f.resolved_at', 'is', null)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** The open flags of some submissions (for the grading queue and page). */
export async function openFlagsBySubmission(db: Db, submissionIds: string[]): Promise<Map<string, SafetyCategory[]>> {
	if (!submissionIds.length) return new Map();
	const rows = await db
		.selectFrom('safety_flags')
		.select(['submission_id', 'category'])
		.where('submission_id', 'in', submissionIds)
		.where('resolved_at', 'is', null)
		.execute();
	const out = new Map<string, SafetyCategory[]>();
	for (const r of rows) out.set(r.submission_id, [...(out.get(r.submission_id) ?? []), r.category]);
	return out;
}
