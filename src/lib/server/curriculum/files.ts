import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import matter from 'gray-matter';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';

// Reads and validates a curriculum folder (format: curriculum/README.md). Pure reading: no database.

const Text = v.pipe(v.string(), v.trim(), v.minLength(1));

const MetaSchema = v.object({ program: Text, version: v.pipe(v.union([v.string(), v.number()]), v.transform(String)), title: Text });

const ReflectionSchema = v.object({
	prompt: Text,
	minLength: v.pipe(v.number(), v.integer(), v.minValue(20)),
	rubric: v.pipe(v.array(Text), v.minLength(1))
});

const ModuleFrontSchema = v.object({
	title: Text,
	summary: Text,
	minSeatMinutes: v.pipe(v.number(), v.minValue(1)),
	objectives: v.pipe(v.array(Text), v.minLength(1)),
	reflections: v.pipe(v.array(ReflectionSchema), v.minLength(1), v.maxLength(2))
});

const OptionSchema = v.object({ text: Text, correct: v.optional(v.boolean(), false), explanation: v.optional(Text) });

const QuestionSchema = v.variant('kind', [
	v.object({ kind: v.literal('single'), prompt: Text, explanation: Text, options: v.pipe(v.array(OptionSchema), v.minLength(2)) }),
	v.object({ kind: v.literal('multiple'), prompt: Text, explanation: Text, options: v.pipe(v.array(OptionSchema), v.minLength(2)) }),
	v.object({ kind: v.literal('true_false'), prompt: Text, explanation: Text, answer: v.boolean() })
]);

const QuizSchema = v.object({
	passMark: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
	maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
	questions: v.pipe(v.array(QuestionSchema), v.minLength(8), v.maxLength(12))
});

export interface ParsedOption {
	label: string;
	correct: boolean;
	explanation: string | null;
}
export interface ParsedQuestion {
	kind: 'single' | 'multiple' | 'true_false';
	prompt: string;
	explanation: string;
	options: ParsedOption[];
}
export interface ParsedModule {
	position: number;
	slug: string;
	title: string;
	summary: string;
	objectives: string[];
	bodyMd: string;
	minSeatSeconds: number;
	reflections: { prompt: string; minLength: number; rubric: string[] }[];
	quiz: { passMark: number | null; maxAttempts: number | null; questions: ParsedQuestion[] };
}
export interface ParsedCurriculum {
	program: string;
	version: string;
	title: string;
	contentHash: string;
	modules: ParsedModule[];
}

export class CurriculumError extends Error {}

function check<T extends v.GenericSchema>(schema: T, data: unknown, file: string): v.InferOutput<T> {
	const result = v.safeParse(schema, data);
	if (!result.success) {
		const issues = result.issues.map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`).join('; ');
		throw new CurriculumError(`${file}: ${issues}`);
	}
	return result.output;
}

export function readCurriculumFolder(folder: string): ParsedCurriculum {
	const hash = createHash('sha256');
	const read = (name: string) => {
		const text = readFileSync(join(folder, name), 'utf8');
		hash.update(name).update('\0').update(text).update('\0');
		return text;
	};
	let names: string[];
	try {
		names = readdirSync(folder).sort();
	} catch {
		throw new CurriculumError(`${folder}: no such folder`);
	}
	if (!names.includes('curriculum.yaml')) throw new CurriculumError(`${folder}: curriculum.yaml is missing`);
	const meta = check(MetaSchema, parseYaml(read('curriculum.yaml')), 'curriculum.yaml');

	const modules: ParsedModule[] = [];
	for (const name of names.filter((n) => /^\d+-[a-z0-9-]+\.md$/.test(n))) {
		const [, num, slug] = name.match(/^(\d+)-([a-z0-9-]+)\.md$/)!;
		const fm = matter(read(name));
		const front = check(ModuleFrontSchema, fm.data, name);
		const quizName = name.replace(/\.md$/, '.quiz.yaml');
		if (!names.includes(quizName)) throw new CurriculumError(`${quizName} is missing`);
		const quiz = check(QuizSchema, parseYaml(read(quizName)), quizName);
		const questions = quiz.questions.map((q, i): ParsedQuestion => {
			const options: ParsedOption[] =
				q.kind === 'true_false'
					? [
							{ label: 'True', correct: q.answer === true, explanation: null },
							{ label: 'False', correct: q.answer === false, explanation: null }
						]
					: q.options.map((o) => ({ label: o.text, correct: o.correct, explanation: o.explanation ?? null }));
			const correct = options.filter((o) => o.correct).length;
			if (q.kind === 'single' && correct !== 1) throw new CurriculumError(`${quizName}: question ${i + 1} must have exactly one correct option`);
			if (q.kind === 'multiple' && correct < 1) throw new CurriculumError(`${quizName}: question ${i + 1} needs at least one correct option`);
			return { kind: q.kind, prompt: q.prompt, explanation: q.explanation, options };
		});
		modules.push({
			position: Number(num),
			slug,
			title: front.title,
			summary: front.summary,
			objectives: front.objectives,
			bodyMd: fm.content.trim(),
			minSeatSeconds: Math.round(front.minSeatMinutes * 60),
			reflections: front.reflections,
			quiz: { passMark: quiz.passMark ?? null, maxAttempts: quiz.maxAttempts ?? null, questions }
		});
	}
	if (modules.length === 0) throw new CurriculumError(`${folder}: no module files (NN-slug.md)`);
	modules.forEach((m, i) => {
		if (m.position !== i + 1) throw new CurriculumError(`module numbers must run 1, 2, 3…; found ${m.position} at place ${i + 1}`);
	});
	return { ...meta, contentHash: hash.digest('hex'), modules };
}
