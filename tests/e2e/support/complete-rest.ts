// Test support for the browser journey: finishes the modules the browser did not walk through
// (the journey takes the first two modules in the browser; walking all eight adds minutes, not coverage).
import { completeModules } from '../../../src/lib/server/testing/walk-course';
import { openDatabase } from '../../../src/lib/server/db';
import { findIdentity } from '../../../src/lib/server/users/users.queries';

const [participantEmail, graderEmail] = process.argv.slice(2);
const h = openDatabase(process.env.DATABASE_URL);
const find = async (email: string) => {
	const u = await h.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
	return (await findIdentity(h.db, u.id))!;
};
const done = await completeModules(h.db, await find(participantEmail), await find(graderEmail), Infinity);
console.log(`completed ${done} more module(s)`);
await h.close();
