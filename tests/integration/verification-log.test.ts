// "Each verification is logged (time, outcome, who if logged in)": rows are written by group commit
// (verification-log.ts), and a verification is answered only once its row has committed.
import { expect, it } from 'vitest';
import { clock } from '../../src/lib/server/clock';
import { newId } from '../../src/lib/server/ids';
import { makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { logVerification } from '../../src/lib/server/verification/verification-log';
import { verifyByCode } from '../../src/lib/server/verification/verification.service';
import { forEachDb } from './helpers';

forEachDb('verification log', (ctx) => {
	const rows = () => ctx.db.selectFrom('verification_log').selectAll().orderBy('at').execute();

	it('has logged each verification by the time it is answered, also when many arrive at once', async () => {
		const p = await makeProgram(ctx.db);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		clock.set(new Date('2026-06-10T15:00:00.000Z'));
		const answers = await Promise.all(
			Array.from({ length: 40 }, (_, i) => verifyByCode(ctx.db, `TP-2026-${String(i).padStart(6, '0')}`, 'a'.repeat(26), { method: 'api', userId: i === 0 ? clerk.id : null, ip: `10.7.0.${i}` }))
		);
		expect(answers.every((a) => a.outcome === 'unknown')).toBe(true);
		const logged = await rows();
		expect(logged).toHaveLength(40);
		expect(new Set(logged.map((r) => r.serial)).size).toBe(40);
		expect(logged.every((r) => r.outcome === 'unknown' && r.method === 'api' && r.at === '2026-06-10T15:00:00.000Z')).toBe(true);
		expect(logged.filter((r) => r.user_id === clerk.id)).toHaveLength(1);

		// Later ones (a new batch) are logged too.
		await verifyByCode(ctx.db, 'TP-2026-999999', 'b'.repeat(26), { method: 'typed', userId: null, ip: '10.7.1.1' });
		expect(await rows()).toHaveLength(41);
	});

	it('does not lose the other rows of a batch when one row cannot be written', async () => {
		const row = (userId: string | null) => ({ id: newId(), at: clock.iso(), method: 'api' as const, serial: 'TP-2026-000001', certificate_id: null, outcome: 'unknown', user_id: userId });
		const results = await Promise.allSettled([logVerification(ctx.db, row(null)), logVerification(ctx.db, row('no-such-user')), logVerification(ctx.db, row(null))]);
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
		expect(await rows()).toHaveLength(2);
	});
});
