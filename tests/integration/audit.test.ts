import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { audit, auditAlone, entryDigest, verifyAuditChain } from '../../src/lib/server/audit/audit';
import { forEachDb } from '../../src/lib/server/testing/db-tests';

const GENESIS = '0'.repeat(64);

forEachDb('audit log', (ctx) => {
	async function append(n: number) {
		for (let i = 0; i < n; i++)
			await auditAlone(ctx.db, {
				actorId: null,
				action: 'test.event',
				targetType: 'thing',
				targetId: `t${i}`,
				details: { i }
			});
	}

	/** Tests that tamper must first remove the database's own guard, as an attacker with DB access would. */
	async function dropGuards() {
		if (ctx.kind === 'postgres') await sql`drop trigger audit_log_no_update on audit_log`.execute(ctx.db);
		else {
			await sql`drop trigger audit_log_no_update`.execute(ctx.db);
			await sql`drop trigger audit_log_no_delete`.execute(ctx.db);
		}
	}

	describe('what the database refuses', () => {
		it('refuses an UPDATE of an audit entry', async () => {
			await append(2);
			await expect(
				ctx.db.updateTable('audit_log').set({ details_json: '{"i":99}' }).where('seq', '=', 1).execute()
			).rejects.toThrow(/append-only/);
			const row = await ctx.db
				.selectFrom('audit_log')
				.select('details_json')
				.where('seq', '=', 1)
				.executeTakeFirstOrThrow();
			expect(row.details_json).toBe('{"i":0}');
		});

		it('refuses a DELETE of an audit entry', async () => {
			await append(2);
			await expect(ctx.db.deleteFrom('audit_log').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
			await expect(ctx.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
			expect((await verifyAuditChain(ctx.db)).entries).toBe(2);
		});

		it('writes no entry when the transaction it belongs to rolls back', async () => {
			await append(1);
			await expect(
				ctx.db.transaction().execute(async (trx) => {
					await audit(trx, { actorId: null, action: 'test.rolled_back' });
					throw new Error('the change failed');
				})
			).rejects.toThrow('the change failed');
			const report = await verifyAuditChain(ctx.db);
			expect(report).toMatchObject({ ok: true, entries: 1 });
		});
	});

	describe('tamper detection', () => {
		it('names the entry whose details were changed', async () => {
			await append(5);
			await dropGuards();
			await ctx.db.updateTable('audit_log').set({ details_json: '{"i":42}' }).where('seq', '=', 3).execute();
			const report = await verifyAuditChain(ctx.db);
			expect(report.ok).toBe(false);
			expect(report.problems.map((p) => p.seq)).toEqual([3]);
			expect(report.problems[0].problem).toMatch(/altered/);
		});

		it('notices a changed entry even when its hash was recomputed, because the next one no longer links', async () => {
			await append(4);
			await dropGuards();
			const { hash: _old, ...row } = await ctx.db
				.selectFrom('audit_log')
				.selectAll()
				.where('seq', '=', 2)
				.executeTakeFirstOrThrow();
			const forged = { ...row, seq: Number(row.seq), details_json: '{"i":42}' };
			await ctx.db
				.updateTable('audit_log')
				.set({ details_json: forged.details_json, hash: entryDigest(forged) })
				.where('seq', '=', 2)
				.execute();
			const report = await verifyAuditChain(ctx.db);
			expect(report.ok).toBe(false);
			expect(report.problems).toEqual([expect.objectContaining({ seq: 3, problem: expect.stringMatching(/link/) })]);
		});

		it('notices that the newest entry was deleted', async () => {
			await append(4);
			await dropGuards();
			await ctx.db.deleteFrom('audit_log').where('seq', '=', 4).execute();
			const report = await verifyAuditChain(ctx.db);
			expect(report.ok).toBe(false);
			expect(report.problems).toEqual([expect.objectContaining({ seq: 4, problem: expect.stringMatching(/removed/) })]);
		});

		it('notices that an entry in the middle was deleted', async () => {
			await append(4);
			await dropGuards();
			await ctx.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
			const report = await verifyAuditChain(ctx.db);
			expect(report.ok).toBe(false);
			expect(report.problems[0]).toMatchObject({ seq: 2, problem: expect.stringMatching(/missing/) });
		});
	});

	describe('the chain', () => {
		it('links every entry to the hash of the one before', async () => {
			await append(5);
			const rows = await ctx.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
			expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
			expect(rows[0].prev_hash).toBe(GENESIS);
			for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
			expect(new Set(rows.map((r) => r.hash)).size).toBe(5);
			expect(await verifyAuditChain(ctx.db)).toEqual({ ok: true, entries: 5, problems: [] });
		});

		it('verifies an empty log as intact', async () => {
			expect(await verifyAuditChain(ctx.db)).toEqual({ ok: true, entries: 0, problems: [] });
		});

		it('verifies across batch boundaries', async () => {
			await append(7);
			expect(await verifyAuditChain(ctx.db, 3)).toMatchObject({ ok: true, entries: 7 });
		});

		it('keeps one unbroken chain under 20 concurrent appending transactions', async () => {
			await Promise.all(
				Array.from({ length: 20 }, (_, i) =>
					ctx.db.transaction().execute(async (trx) => {
						await trx.selectFrom('programs').selectAll().execute(); // some other work first
						await audit(trx, { actorId: null, action: 'test.concurrent', targetId: `c${i}` });
					})
				)
			);
			const report = await verifyAuditChain(ctx.db);
			expect(report).toEqual({ ok: true, entries: 20, problems: [] });
			const targets = await ctx.db.selectFrom('audit_log').select('target_id').execute();
			expect(new Set(targets.map((t) => t.target_id)).size).toBe(20);
		});
	});
});
