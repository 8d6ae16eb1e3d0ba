// Staff-only additions to a participant's record: case notes and court-ordered due-date extensions.
// Only a facilitator or admin of the participant's program may add them (court staff record
// nothing here; a participant never sees them). Every addition is audited in its own transaction.
import { enrollmentInScope } from '../access';
import { audit } from '../audit/audit';
import { clock } from '../clock';
import type { Db } from '../db';
import { newId } from '../ids';
import type { UserIdentity } from '../users/users.queries';

export const NOTE_MAX = 4000;
export const ORDER_REFERENCE_MAX = 120;

export type CaseNoteResult = { ok: true; id: string } | { ok: false; reason: 'not_found' | 'empty' | 'too_long' };

export async function addCaseNote(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	body: string,
	ip?: string
): Promise<CaseNoteResult> {
	const e = await enrollmentInScope(db, user, enrollmentId, 'staff');
	if (!e) return { ok: false, reason: 'not_found' };
	const text = body.trim();
	if (!text) return { ok: false, reason: 'empty' };
	if (text.length > NOTE_MAX) return { ok: false, reason: 'too_long' };
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('case_notes')
			.values({ id, enrollment_id: e.id, author_id: user.id, body: text, created_at: clock.iso() })
			.execute();
		// The note's text stays out of the audit log (it may name people); its id leads to it.
		await audit(trx, {
			actorId: user.id,
			action: 'case_note.add',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { noteId: id }
		});
	});
	return { ok: true, id };
}

/** A participant's case notes, newest first, with their authors. Callers check access first. */
export async function caseNotes(db: Db, enrollmentId: string) {
	return db
		.selectFrom('case_notes')
		.innerJoin('users', 'users.id', 'case_notes.author_id')
		.select(['case_notes.id', 'case_notes.body', 'case_notes.created_at as createdAt', 'users.name as author'])
		.where('case_notes.enrollment_id', '=', enrollmentId)
		.orderBy('case_notes.created_at', 'desc')
		.orderBy('case_notes.id')
		.execute();
}

export type ExtensionResult =
	| { ok: true; id: string; previousDueDate: string }
	| {
			ok: false;
			reason: 'not_found' | 'not_open' | 'invalid_date' | 'not_later' | 'reference_required' | 'too_long' | 'changed';
	  };

const isRealDate = (s: string) =>
	/^\d{4}-\d{2}-\d{2}$/.test(s) &&
	!Number.isNaN(Date.parse(s)) &&
	new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/**
 * Records a court-approved extension: the enrollment's due date moves to the new date (so compliance,
 * the court's view and the at-risk flag follow at once) and the previous date is kept.
 */
export async function extendDueDate(
	db: Db,
	user: UserIdentity,
	enrollmentId: string,
	input: {
		newDueDate: string;
		orderReference: string;
		/** the due date the facilitator saw when deciding (the form sends it); absent: the current one */
		fromDueDate?: string;
	},
	ip?: string
): Promise<ExtensionResult> {
	const e = await enrollmentInScope(db, user, enrollmentId, 'staff');
	if (!e) return { ok: false, reason: 'not_found' };
	if (e.status !== 'active' && e.status !== 'referred') return { ok: false, reason: 'not_open' };
	// Decided against another date than today's: someone extended it meanwhile (whether before this
	// request was read or while it runs, below), and the facilitator must look again.
	if (input.fromDueDate !== undefined && input.fromDueDate !== e.due_date) return { ok: false, reason: 'changed' };
	const newDueDate = input.newDueDate.trim();
	const reference = input.orderReference.trim();
	if (!isRealDate(newDueDate)) return { ok: false, reason: 'invalid_date' };
	if (newDueDate <= e.due_date) return { ok: false, reason: 'not_later' };
	if (!reference) return { ok: false, reason: 'reference_required' };
	if (reference.length > ORDER_REFERENCE_MAX) return { ok: false, reason: 'too_long' };
	const id = newId();
	const done = await db.transaction().execute(async (trx) => {
		// Only from the date this decision was made against: two extensions at once never stack silently.
		const res = await trx
			.updateTable('enrollments')
			.set({ due_date: newDueDate })
			.where('id', '=', e.id)
			.where('due_date', '=', e.due_date)
			.executeTakeFirst();
		if (Number(res.numUpdatedRows) !== 1) return false;
		await trx
			.insertInto('due_date_extensions')
			.values({
				id,
				enrollment_id: e.id,
				previous_due_date: e.due_date,
				new_due_date: newDueDate,
				order_reference: reference,
				recorded_by: user.id,
				created_at: clock.iso()
			})
			.execute();
		await audit(trx, {
			actorId: user.id,
			action: 'enrollment.extend_due_date',
			targetType: 'enrollment',
			targetId: e.id,
			ip,
			details: { extensionId: id, previousDueDate: e.due_date, newDueDate }
		});
		return true;
	});
	if (!done) return { ok: false, reason: 'changed' };
	return { ok: true, id, previousDueDate: e.due_date };
}

/** A participant's extensions, newest first. Callers check access first. */
export async function dueDateExtensions(db: Db, enrollmentId: string) {
	return db
		.selectFrom('due_date_extensions')
		.innerJoin('users', 'users.id', 'due_date_extensions.recorded_by')
		.select([
			'due_date_extensions.id',
			'due_date_extensions.previous_due_date as previousDueDate',
			'due_date_extensions.new_due_date as newDueDate',
			'due_date_extensions.order_reference as orderReference',
			'due_date_extensions.created_at as createdAt',
			'users.name as recordedBy'
		])
		.where('due_date_extensions.enrollment_id', '=', enrollmentId)
		.orderBy('due_date_extensions.created_at', 'desc')
		.orderBy('due_date_extensions.id')
		.execute();
}
