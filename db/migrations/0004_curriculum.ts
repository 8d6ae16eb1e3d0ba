import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('curriculum_versions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('version', 'text', (c) => c.notNull())
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('content_hash', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull()) // published | retired
		.addColumn('published_at', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addUniqueConstraint('curriculum_versions_program_version_uq', ['program_id', 'version'])
		.execute();

	await db.schema
		.createTable('modules')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('curriculum_version_id', 'text', (c) => c.notNull().references('curriculum_versions.id'))
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('slug', 'text', (c) => c.notNull())
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('summary', 'text', (c) => c.notNull())
		.addColumn('objectives_json', 'text', (c) => c.notNull())
		.addColumn('body_md', 'text', (c) => c.notNull())
		.addColumn('body_html', 'text', (c) => c.notNull())
		.addColumn('min_seat_seconds', 'integer', (c) => c.notNull())
		.addUniqueConstraint('modules_version_position_uq', ['curriculum_version_id', 'position'])
		.execute();

	await db.schema
		.createTable('quizzes')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('module_id', 'text', (c) => c.notNull().unique().references('modules.id'))
		.addColumn('pass_mark', 'integer')
		.addColumn('max_attempts', 'integer')
		.execute();

	await db.schema
		.createTable('quiz_questions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id'))
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull()) // single | multiple | true_false
		.addColumn('prompt', 'text', (c) => c.notNull())
		.addColumn('explanation', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('quiz_questions_quiz_idx').on('quiz_questions').column('quiz_id').execute();

	await db.schema
		.createTable('quiz_options')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('question_id', 'text', (c) => c.notNull().references('quiz_questions.id'))
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('label', 'text', (c) => c.notNull())
		.addColumn('is_correct', 'integer', (c) => c.notNull())
		.addColumn('explanation', 'text')
		.execute();
	await db.schema.createIndex('quiz_options_question_idx').on('quiz_options').column('question_id').execute();

	await db.schema
		.createTable('reflection_prompts')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('module_id', 'text', (c) => c.notNull().references('modules.id'))
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('prompt', 'text', (c) => c.notNull())
		.addColumn('min_length', 'integer', (c) => c.notNull())
		.addColumn('rubric_json', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('reflection_prompts_module_idx').on('reflection_prompts').column('module_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const t of [
		'reflection_prompts',
		'quiz_options',
		'quiz_questions',
		'quizzes',
		'modules',
		'curriculum_versions'
	]) {
		await db.schema.dropTable(t).execute();
	}
}
