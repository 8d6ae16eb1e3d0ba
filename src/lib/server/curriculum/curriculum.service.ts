import { audit } from '../audit/audit';
import { clock } from '../clock';
import { newId } from '../ids';
import type { Db } from '../db';
import type { ParsedCurriculum } from './files';
import { renderMarkdown } from './markdown';

export type ImportResult =
	| { ok: true; versionId: string; modules: number; questions: number }
	| { ok: false; reason: 'unknown_program' | 'already_imported' | 'version_exists_with_other_content'; versionId?: string };

/** Stores a curriculum folder as a new, published, immutable version. */
export async function importCurriculum(db: Db, actorId: string | null, c: ParsedCurriculum): Promise<ImportResult> {
	const program = await db.selectFrom('programs').select('id').where('slug', '=', c.program).executeTakeFirst();
	if (!program) return { ok: false, reason: 'unknown_program' };
	const existing = await db
		.selectFrom('curriculum_versions')
		.select(['id', 'content_hash'])
		.where('program_id', '=', program.id)
		.where('version', '=', c.version)
		.executeTakeFirst();
	if (existing) {
		return existing.content_hash === c.contentHash
			? { ok: false, reason: 'already_imported', versionId: existing.id }
			: { ok: false, reason: 'version_exists_with_other_content', versionId: existing.id };
	}
	// Render outside the transaction: it is CPU work and SQLite has one connection.
	const rendered = c.modules.map((m) => renderMarkdown(m.bodyMd));
	const versionId = newId();
	const now = clock.iso();
	let questions = 0;
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('curriculum_versions')
			.values({ id: versionId, program_id: program.id, version: c.version, title: c.title, content_hash: c.contentHash, status: 'published', published_at: now, created_at: now })
			.execute();
		for (const [i, m] of c.modules.entries()) {
			const moduleId = newId();
			await trx
				.insertInto('modules')
				.values({ id: moduleId, curriculum_version_id: versionId, position: m.position, slug: m.slug, title: m.title, summary: m.summary, objectives_json: JSON.stringify(m.objectives), body_md: m.bodyMd, body_html: rendered[i], min_seat_seconds: m.minSeatSeconds })
				.execute();
			const quizId = newId();
			await trx.insertInto('quizzes').values({ id: quizId, module_id: moduleId, pass_mark: m.quiz.passMark, max_attempts: m.quiz.maxAttempts }).execute();
			for (const [qi, q] of m.quiz.questions.entries()) {
				const questionId = newId();
				questions++;
				await trx.insertInto('quiz_questions').values({ id: questionId, quiz_id: quizId, position: qi + 1, kind: q.kind, prompt: q.prompt, explanation: q.explanation }).execute();
				await trx
					.insertInto('quiz_options')
					.values(q.options.map((o, oi) => ({ id: newId(), question_id: questionId, position: oi + 1, label: o.label, is_correct: o.correct ? 1 : 0, explanation: o.explanation })))
					.execute();
			}
			for (const [ri, r] of m.reflections.entries()) {
				await trx
					.insertInto('reflection_prompts')
					.values({ id: newId(), module_id: moduleId, position: ri + 1, prompt: r.prompt, min_length: r.minLength, rubric_json: JSON.stringify(r.rubric) })
					.execute();
			}
		}
		await audit(trx, { actorId, action: 'curriculum.import', targetType: 'curriculum_version', targetId: versionId, details: { version: c.version, modules: c.modules.length } });
	});
	return { ok: true, versionId, modules: c.modules.length, questions };
}

/** The version new enrollments start on: the newest published one. */
export async function currentVersionId(db: Db, programId: string): Promise<string | undefined> {
	const row = await db
		.selectFrom('curriculum_versions')
		.select('id')
		.where('program_id', '=', programId)
		.where('status', '=', 'published')
		.orderBy('published_at', 'desc')
		.orderBy('created_at', 'desc')
		.executeTakeFirst();
	return row?.id;
}
