import type { Kysely } from 'kysely';

// The heartbeat and the draft autosave ask one thing: may he study this module? These two columns
// answer it from the enrollment row (src/lib/server/learning/unlocks.ts):
//  - enrollments.unlocked_through: the position of the last module he may study, as the full
//    computation (loadCourseState) last found it, and unlocked_stamp: what it was computed against
//    (his curriculum version and his program's settings). Null: not computed yet; every existing
//    enrollment starts so and is computed on first use, so nothing here depends on the app's rules.
//  - quiz_attempts.results_json: which questions the submit scored right, so the review page need not
//    score the answers again. Null for attempts submitted before this migration (they are re-scored).
// Frozen: never edit after it lands.
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('enrollments').addColumn('unlocked_through', 'integer').execute();
	await db.schema.alterTable('enrollments').addColumn('unlocked_stamp', 'text').execute();
	await db.schema.alterTable('quiz_attempts').addColumn('results_json', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('quiz_attempts').dropColumn('results_json').execute();
	await db.schema.alterTable('enrollments').dropColumn('unlocked_stamp').execute();
	await db.schema.alterTable('enrollments').dropColumn('unlocked_through').execute();
}
