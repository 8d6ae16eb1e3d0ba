// "Each verification is logged (time, outcome, who if logged in)": rows are written by group commit
// (verification-log.ts), and a verification is answered only once its row has committed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import * as m0021 from '../../db/migrations/0021_registry_chain_packets';
import { openDatabase, type DbHandle } from '../../src/lib/server/db';
import { migrateToLatest } from '../../src/lib/server/db/migrate';
import { PG_TEST_URL } from '../../src/lib/server/testing/test-db';
import { clock } from '../../src/lib/server/clock';
import { newId } from '../../src/lib/server/ids';
import { makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import {
	logVerification,
	verificationDigest,
	verifyVerificationChain
} from '../../src/lib/server/verification/verification-log';
import { verifyByCode } from '../../src/lib/server/verification/verification.service';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

// A migration runs on the schema as it was, untyped (as in db/migrations/).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = Kysely<any>;

forEachDb('verification log', (ctx) => {
	const rows = () => ctx.db.selectFrom('verification_log').selectAll().orderBy('at').execute();

	it('has logged each verification by the time it is answered, also when many arrive at once', async () => {
		const p = await makeProgram(ctx.db);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		clock.set(new Date('2026-06-10T15:00:00.000Z'));
		const answers = await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				verifyByCode(ctx.db, `TP-2026-${String(i).padStart(6, '0')}`, 'a'.repeat(26), {
					method: 'api',
					userId: i === 0 ? clerk.id : null,
					ip: `10.7.0.${i}`
				})
			)
		);
		expect(answers.every((a) => a.outcome === 'unknown')).toBe(true);
		const logged = await rows();
		expect(logged).toHaveLength(40);
		expect(new Set(logged.map((r) => r.serial)).size).toBe(40);
		expect(
			logged.every((r) => r.outcome === 'unknown' && r.method === 'api' && r.at === '2026-06-10T15:00:00.000Z')
		).toBe(true);
		expect(logged.filter((r) => r.user_id === clerk.id)).toHaveLength(1);

		// Later ones (a new batch) are logged too.
		await verifyByCode(ctx.db, 'TP-2026-999999', 'b'.repeat(26), { method: 'typed', userId: null, ip: '10.7.1.1' });
		expect(await rows()).toHaveLength(41);
	});

	it('does not lose the other rows of a batch when one row cannot be written', async () => {
		const row = (userId: string | null) => ({
			id: newId(),
			at: clock.iso(),
			method: 'api' as const,
			serial: 'TP-2026-000001',
			certificate_id: null,
			outcome: 'unknown',
			user_id: userId
		});
		const results = await Promise.allSettled([
			logVerification(ctx.db, row(null)),
			logVerification(ctx.db, row('no-such-user')),
			logVerification(ctx.db, row(null))
		]);
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
		expect(await rows()).toHaveLength(2);
	});
});

// The log is a hash chain (verification-log.ts, migration 0021): audit:verify names the first
// broken row whether a row was changed, deleted or inserted, and two writers never fork it.
forEachDb('verification log chain', (ctx) => {
	const row = (i: number) => ({
		id: newId(),
		at: clock.iso(),
		method: 'typed' as const,
		serial: `TP-2026-${String(i).padStart(6, '0')}`,
		certificate_id: null,
		outcome: 'unknown',
		user_id: null
	});
	async function logMany(n: number, db = ctx.db) {
		await Promise.all(Array.from({ length: n }, (_, i) => logVerification(db, row(i))));
	}
	/** As an attacker with database access must: remove the append-only guard first. */
	async function dropGuards() {
		if (ctx.kind === 'postgres') await sql`drop trigger verification_log_no_update on verification_log`.execute(ctx.db);
		else {
			await sql`drop trigger verification_log_no_update`.execute(ctx.db);
			await sql`drop trigger verification_log_no_delete`.execute(ctx.db);
		}
	}

	it('refuses an UPDATE or a DELETE of a logged verification', async () => {
		await logMany(2);
		await expect(
			ctx.db.updateTable('verification_log').set({ outcome: 'valid' }).where('seq', '=', 1).execute()
		).rejects.toThrow(/append-only/);
		await expect(ctx.db.deleteFrom('verification_log').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
	});

	it('chains rows in one order whatever arrives at once, including from two server processes', async () => {
		// A second handle on the same database has a group commit of its own, as a second process would.
		let other: DbHandle;
		let file: string | null = null;
		if (ctx.kind === 'postgres') {
			const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(ctx.db)).rows[0].s;
			other = openDatabase(PG_TEST_URL, { pgSchema: schema });
		} else {
			// :memory: is private to its connection: both handles open one file instead.
			file = join(mkdtempSync(join(tmpdir(), 'vlog-')), 'db.sqlite');
			await ctx.handle.close();
			ctx.handle = openDatabase(file);
			ctx.db = ctx.handle.db;
			await migrateToLatest(ctx.db);
			other = openDatabase(file);
		}
		try {
			await Promise.all([logMany(60), logMany(60, other.db), logMany(5), logMany(5, other.db)]);
			const report = await verifyVerificationChain(ctx.db);
			expect(report).toEqual({ ok: true, entries: 130, problems: [] });
			const seqs = (await ctx.db.selectFrom('verification_log').select('seq').orderBy('seq').execute()).map((r) =>
				Number(r.seq)
			);
			expect(seqs).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
		} finally {
			await other.close();
		}
	});

	it('names a row whose content was changed', async () => {
		await logMany(5);
		await dropGuards();
		await ctx.db.updateTable('verification_log').set({ outcome: 'valid' }).where('seq', '=', 3).execute();
		const report = await verifyVerificationChain(ctx.db);
		expect(report.ok).toBe(false);
		expect(report.problems).toEqual([{ seq: 3, problem: expect.stringMatching(/altered/) }]);
	});

	it('names the row after one that was changed with its hash recomputed', async () => {
		await logMany(4);
		await dropGuards();
		const { hash: _h, ...r } = await ctx.db
			.selectFrom('verification_log')
			.selectAll()
			.where('seq', '=', 2)
			.executeTakeFirstOrThrow();
		const forged = { ...r, seq: Number(r.seq), outcome: 'valid' };
		await ctx.db
			.updateTable('verification_log')
			.set({ outcome: 'valid', hash: verificationDigest(forged) })
			.where('seq', '=', 2)
			.execute();
		const report = await verifyVerificationChain(ctx.db);
		expect(report.problems[0]).toEqual({ seq: 3, problem: expect.stringMatching(/does not link/) });
	});

	it('names a deleted row, in the middle or the newest', async () => {
		await logMany(5);
		await dropGuards();
		await ctx.db.deleteFrom('verification_log').where('seq', '=', 2).execute();
		expect((await verifyVerificationChain(ctx.db)).problems[0]).toEqual({
			seq: 2,
			problem: expect.stringMatching(/missing/)
		});
		await ctx.db.deleteFrom('verification_log').where('seq', '=', 5).execute();
		const report = await verifyVerificationChain(ctx.db);
		expect(report.problems.at(-1)).toEqual({ seq: 5, problem: expect.stringMatching(/removed/) });
	});

	it('names a row inserted by hand, even one chained correctly onto the newest', async () => {
		await logMany(3);
		const last = await ctx.db.selectFrom('verification_log').selectAll().where('seq', '=', 3).executeTakeFirstOrThrow();
		const forged = { ...row(9), seq: 4, prev_hash: last.hash };
		await ctx.db
			.insertInto('verification_log')
			.values({ ...forged, hash: verificationDigest(forged) })
			.execute();
		const report = await verifyVerificationChain(ctx.db);
		expect(report.ok).toBe(false);
		expect(report.problems).toEqual([{ seq: 4, problem: expect.stringMatching(/inserted/) }]);
	});

	it('chains the rows logged before migration 0021, oldest first', async () => {
		await m0021.down(ctx.db as unknown as Untyped);
		for (const [i, at] of [
			'2026-01-02T00:00:00.000Z',
			'2026-01-01T00:00:00.000Z',
			'2026-01-03T00:00:00.000Z'
		].entries()) {
			await (ctx.db as unknown as Untyped)
				.insertInto('verification_log')
				.values({ ...row(i), at })
				.execute();
		}
		await m0021.up(ctx.db as unknown as Untyped);
		const rows = await ctx.db.selectFrom('verification_log').select(['seq', 'at']).orderBy('seq').execute();
		expect(rows.map((r) => [Number(r.seq), r.at])).toEqual([
			[1, '2026-01-01T00:00:00.000Z'],
			[2, '2026-01-02T00:00:00.000Z'],
			[3, '2026-01-03T00:00:00.000Z']
		]);
		await logMany(2);
		expect(await verifyVerificationChain(ctx.db)).toEqual({ ok: true, entries: 5, problems: [] });
	});
});
