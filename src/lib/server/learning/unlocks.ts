// "May he study this module?" is asked by every heartbeat (one per 15 s per participant) and every
// draft autosave. The full answer (loadCourseState in ./evidence.ts) reads the whole course, fee and
// attendance included; these requests read instead what it last found, stored on the enrollment
// (migration 0023): the position of the last module he may study, stamped with what it was computed
// against. Two rules keep the stored value from ever deciding differently from the full answer:
//  - every event that changes what the full answer reads calls refreshUnlocked in its own transaction
//    (quiz submit, reflection submit and grading, quiz unlocks, activation, a heartbeat whose total
//    crosses the module's minimum); tests/integration/unlocks.test.ts drives sequences of them and
//    compares the stored value with the full answer after each;
//  - the stored value is trusted only to say yes. A module past it, a stamp that does not match (his
//    curriculum version or the program's settings, seat-time minimums included, changed since), or no
//    value yet (enrollments older than the migration) sends the request to the full answer, which is
//    stored again. A missed refresh can only leave the value too low (nothing that can lower it goes
//    unstamped: completion evidence is only ever added), and too low costs one full computation,
//    never a locked-out participant.
import { createHash } from 'node:crypto';
import { parseProgramSettings, requiredSeatSeconds } from '../../domain/program-settings';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { loadCourseState, type CourseState } from './evidence';

/** The position of the last module the state unlocks; 0 for a course without modules. */
export function unlockedThrough(state: CourseState): number {
	let through = 0;
	for (const m of state.modules) if (m.unlocked) through = m.position;
	return through;
}

// One hash per distinct (version, settings) pair: a program has one settings text at a time.
const stamps = new Map<string, string>();
const MAX_STAMPS = 200;

/** What a stored value was computed against: his curriculum version and his program's settings text. */
export function unlockStamp(curriculumVersionId: string | null, settingsJson: string): string {
	const key = `${curriculumVersionId ?? ''}\n${settingsJson}`;
	let stamp = stamps.get(key);
	if (!stamp) {
		stamp = createHash('sha256').update(key).digest('base64url').slice(0, 22);
		if (stamps.size >= MAX_STAMPS) stamps.delete(stamps.keys().next().value!);
		stamps.set(key, stamp);
	}
	return stamp;
}

/** Stores what the state unlocks, unless that is already what is stored. */
export async function storeUnlocked(db: Db, state: CourseState): Promise<void> {
	const through = unlockedThrough(state);
	const stamp = unlockStamp(state.enrollment.curriculum_version_id, state.settingsJson);
	if (state.enrollment.unlocked_through === through && state.enrollment.unlocked_stamp === stamp) return;
	await db
		.updateTable('enrollments')
		.set({ unlocked_through: through, unlocked_stamp: stamp })
		.where('id', '=', state.enrollment.id)
		.execute();
}

/**
 * The full answer for one enrollment, read and stored with `db`: pass the transaction of the event
 * that changed it, so that the event and the stored value commit together.
 */
export async function refreshUnlocked(db: Db, enrollmentId: string): Promise<CourseState | undefined> {
	const enrollment = await db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
	if (!enrollment) return undefined;
	const state = await loadCourseState(db, enrollment);
	await storeUnlocked(db, state);
	return state;
}

export interface StudyModule {
	moduleId: string;
	position: number;
	requiredSeconds: number;
	quizId: string;
	passMark: number;
}

export type StudyAccess =
	| {
			ok: true;
			enrollmentId: string;
			module: StudyModule;
			/** The prompt asked for, when it belongs to this module; null when it does not (or none was asked). */
			prompt: { id: string; minLength: number } | null;
	  }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' };

/**
 * The same yes or no as ownModule (./participant.ts) for a module of his own curriculum version,
 * from one indexed read when the stored value says yes; the full answer otherwise.
 */
export async function mayStudy(db: Db, user: UserIdentity, moduleId: string, promptId?: string): Promise<StudyAccess> {
	if (!user.roles.includes('participant')) return { ok: false, reason: 'no_enrollment' };
	const row = await db
		.selectFrom('enrollments as e')
		.innerJoin('programs as p', 'p.id', 'e.program_id')
		// A module of another version is not his: not found, as in the full answer. The quiz join too:
		// the full answer only knows modules with a quiz.
		.leftJoin('modules as m', (j) =>
			j.on('m.id', '=', moduleId).onRef('m.curriculum_version_id', '=', 'e.curriculum_version_id')
		)
		.leftJoin('quizzes as q', 'q.module_id', 'm.id')
		.leftJoin('reflection_prompts as r', (j) => j.on('r.id', '=', promptId ?? '').onRef('r.module_id', '=', 'm.id'))
		.select([
			'e.id',
			'e.curriculum_version_id',
			'e.unlocked_through',
			'e.unlocked_stamp',
			'p.settings_json',
			'm.position',
			'm.min_seat_seconds',
			'q.id as quiz_id',
			'q.pass_mark',
			'r.id as prompt_id',
			'r.min_length'
		])
		.where('e.user_id', '=', user.id)
		.where('e.status', 'in', ['active', 'completed'])
		.executeTakeFirst();
	if (!row) return { ok: false, reason: 'no_enrollment' };
	if (row.position === null || row.quiz_id === null) return { ok: false, reason: 'not_found' };
	const prompt = row.prompt_id !== null ? { id: row.prompt_id, minLength: Number(row.min_length) } : null;
	const position = Number(row.position);
	if (
		row.unlocked_through !== null &&
		position <= Number(row.unlocked_through) &&
		row.unlocked_stamp === unlockStamp(row.curriculum_version_id, row.settings_json)
	) {
		const settings = parseProgramSettings(row.settings_json);
		return {
			ok: true,
			enrollmentId: row.id,
			module: {
				moduleId,
				position,
				requiredSeconds: requiredSeatSeconds(Number(row.min_seat_seconds), settings),
				quizId: row.quiz_id,
				passMark: row.pass_mark ?? settings.passMark
			},
			prompt
		};
	}
	const state = await refreshUnlocked(db, row.id);
	const m = state?.modules.find((x) => x.moduleId === moduleId);
	if (!m) return { ok: false, reason: 'not_found' };
	if (!m.unlocked) return { ok: false, reason: 'locked' };
	return {
		ok: true,
		enrollmentId: row.id,
		module: {
			moduleId,
			position: m.position,
			requiredSeconds: m.requiredSeconds,
			quizId: m.quizId,
			passMark: m.passMark
		},
		prompt
	};
}
