import { whereInScope } from '../access';
import type { Db } from '../db';
import type { EnrollmentsTable } from '../db/schema';
import type { UserIdentity } from '../users/users.queries';
import { loadCourseState, type CourseState, type ModuleState } from './evidence';
import { storeUnlocked } from './unlocks';

/** The participant's own enrollment; a participant never reaches anyone else's. */
export async function findOwnEnrollment(db: Db, user: UserIdentity): Promise<EnrollmentsTable | undefined> {
	return db
		.selectFrom('enrollments')
		.selectAll()
		.where(whereInScope(user, 'own'))
		.where('status', 'in', ['active', 'completed'])
		.executeTakeFirst();
}

export type ModuleAccess =
	| { ok: true; state: CourseState; module: ModuleState }
	| { ok: false; reason: 'no_enrollment' | 'not_found' | 'locked' };

/**
 * A module of his own curriculum version, and only once the modules before it are complete. For
 * pages that show the course state; the heartbeat and the autosave ask mayStudy (./unlocks.ts).
 */
export async function ownModule(db: Db, user: UserIdentity, moduleId: string): Promise<ModuleAccess> {
	const enrollment = await findOwnEnrollment(db, user);
	if (!enrollment) return { ok: false, reason: 'no_enrollment' };
	const state = await loadCourseState(db, enrollment);
	// The module page is opened before its heartbeats start: a stale stored value (or none yet) is
	// put right here, so that they find it current. Usually it is, and nothing is written.
	await storeUnlocked(db, state);
	const module = state.modules.find((m) => m.moduleId === moduleId);
	if (!module) return { ok: false, reason: 'not_found' };
	if (!module.unlocked) return { ok: false, reason: 'locked' };
	return { ok: true, state, module };
}
