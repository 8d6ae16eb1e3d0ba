import type { SafetyCategory } from '../../domain/safety';
import type { Db } from '../db';

export interface OpenFlag {
	id: string;
	category: SafetyCategory;
	/** raised by the phrase screen when a reflection was submitted, not by a person */
	automatic: boolean;
	raisedAt: string;
}

/** The flags still open on one reflection submission, oldest first. The caller has checked access. */
export async function openFlagsOfSubmission(db: Db, submissionId: string): Promise<OpenFlag[]> {
	const rows = await db
		.selectFrom('safety_flags')
		.select(['id', 'category', 'raised_by', 'raised_at'])
		.where('submission_id', '=', submissionId)
		.where('resolved_at', 'is', null)
		.orderBy('raised_at')
		.execute();
	return rows.map((f) => ({ id: f.id, category: f.category, automatic: f.raised_by === null, raisedAt: f.raised_at }));
}
