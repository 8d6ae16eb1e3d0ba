// Test support: a new, activated participant of the demo program (so a test that floods his
// endpoints leaves the demo accounts' buckets alone). Prints his sign-in, names, first module and its
// first reflection prompt as JSON.
import { openDatabase } from '../../../src/lib/server/db';
import { makeParticipant, TEST_PASSWORD } from '../../../src/lib/server/testing/factories';
import { findIdentity, findUserByEmail } from '../../../src/lib/server/users/users.queries';

const h = openDatabase(process.env.DATABASE_URL);
const db = h.db;
const clerk = (await findIdentity(db, (await findUserByEmail(db, 'clerk@demo.johnschool.test'))!.id))!;
const him = await makeParticipant(db, clerk, clerk.courtIds[0]);
const enrollment = await db
	.selectFrom('enrollments')
	.select('curriculum_version_id')
	.where('id', '=', him.enrollmentId)
	.executeTakeFirstOrThrow();
const module1 = await db
	.selectFrom('modules')
	.select('id')
	.where('curriculum_version_id', '=', enrollment.curriculum_version_id!)
	.orderBy('position')
	.executeTakeFirstOrThrow();
const prompt = await db
	.selectFrom('reflection_prompts')
	.select('id')
	.where('module_id', '=', module1.id)
	.orderBy('position')
	.executeTakeFirstOrThrow();
console.log(
	JSON.stringify({
		email: him.user.email,
		password: TEST_PASSWORD,
		legalName: him.legalName,
		caseNumber: him.caseNumber,
		enrollmentId: him.enrollmentId,
		moduleId: module1.id,
		promptId: prompt.id
	})
);
await h.close();
