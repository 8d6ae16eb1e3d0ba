import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('module_progress')
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('module_id', 'text', (c) => c.notNull().references('modules.id'))
		.addColumn('seat_seconds', 'integer', (c) => c.notNull())
		.addColumn('started_at', 'text', (c) => c.notNull())
		.addColumn('last_activity_at', 'text', (c) => c.notNull())
		.addColumn('completed_at', 'text')
		.addPrimaryKeyConstraint('module_progress_pk', ['enrollment_id', 'module_id'])
		.execute();

	await db.schema
		.createTable('quiz_attempts')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id'))
		.addColumn('attempt_no', 'integer', (c) => c.notNull())
		.addColumn('layout_json', 'text', (c) => c.notNull()) // shuffled question and option order
		.addColumn('started_at', 'text', (c) => c.notNull())
		.addColumn('submitted_at', 'text')
		.addColumn('answers_json', 'text')
		.addColumn('score', 'integer')
		.addColumn('passed', 'integer')
		.addUniqueConstraint('quiz_attempts_no_uq', ['enrollment_id', 'quiz_id', 'attempt_no'])
		.execute();

	await db.schema
		.createTable('quiz_unlocks')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id'))
		.addColumn('extra_attempts', 'integer', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('unlocked_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex('quiz_unlocks_enrollment_idx')
		.on('quiz_unlocks')
		.columns(['enrollment_id', 'quiz_id'])
		.execute();

	await db.schema
		.createTable('reflection_drafts')
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('prompt_id', 'text', (c) => c.notNull().references('reflection_prompts.id'))
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('reflection_drafts_pk', ['enrollment_id', 'prompt_id'])
		.execute();

	await db.schema
		.createTable('reflection_submissions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('prompt_id', 'text', (c) => c.notNull().references('reflection_prompts.id'))
		.addColumn('version', 'integer', (c) => c.notNull())
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull()) // submitted | satisfactory | needs_revision
		.addColumn('submitted_at', 'text', (c) => c.notNull())
		.addUniqueConstraint('reflection_submissions_version_uq', ['enrollment_id', 'prompt_id', 'version'])
		.execute();

	await db.schema
		.createTable('reflection_grades')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('submission_id', 'text', (c) => c.notNull().unique().references('reflection_submissions.id'))
		.addColumn('grader_id', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('outcome', 'text', (c) => c.notNull()) // satisfactory | needs_revision
		.addColumn('rubric_json', 'text', (c) => c.notNull())
		.addColumn('feedback', 'text', (c) => c.notNull())
		.addColumn('graded_at', 'text', (c) => c.notNull())
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const t of [
		'reflection_grades',
		'reflection_submissions',
		'reflection_drafts',
		'quiz_unlocks',
		'quiz_attempts',
		'module_progress'
	]) {
		await db.schema.dropTable(t).execute();
	}
}
