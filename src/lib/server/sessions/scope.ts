// Which sessions a staff member reaches: those of his own programs. Anything else is "not found".
import { parseProgramSettings, type ProgramSettings } from '../../domain/program-settings';
import { mayManageProgram } from '../access';
import type { Db } from '../db';
import type { UserIdentity } from '../users/users.queries';
import { findSession, type LiveSessionRow } from './sessions.queries';

export async function sessionInScope(
	db: Db,
	user: UserIdentity,
	sessionId: string
): Promise<LiveSessionRow | undefined> {
	const s = await findSession(db, sessionId);
	return s && mayManageProgram(user, s.program_id, 'staff') ? s : undefined;
}

export async function programSettings(db: Db, programId: string): Promise<ProgramSettings> {
	const program = await db
		.selectFrom('programs')
		.select('settings_json')
		.where('id', '=', programId)
		.executeTakeFirstOrThrow();
	return parseProgramSettings(program.settings_json);
}
