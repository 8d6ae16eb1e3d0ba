// Writes committed together must still succeed or fail one by one, and each in order of arrival.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { clock } from '../clock';
import type { DbHandle } from './index';
import { groupCommit } from './group-commit';
import { createTestDb } from '../testing/test-db';

let h: DbHandle;
beforeEach(async () => {
	h = await createTestDb('sqlite');
});
afterEach(async () => {
	await h.close();
});

const program = (id: string) => (trx: DbHandle['db']) =>
	trx
		.insertInto('programs')
		.values({
			id,
			slug: id,
			name: id,
			provider: 'p',
			serial_prefix: id.toUpperCase(),
			settings_json: '{}',
			created_at: clock.iso()
		})
		.execute()
		.then(() => id);

it('commits writes that arrive together in one transaction, in order, each answered with its own result', async () => {
	const seen: string[] = [];
	const results = await Promise.all(
		['a', 'b', 'c'].map((id) =>
			groupCommit(h.db, async (trx) => {
				// Each sees the writes that arrived before it.
				seen.push(`${id}:${(await trx.selectFrom('programs').select('id').execute()).length}`);
				return program(id)(trx);
			})
		)
	);
	expect(results).toEqual(['a', 'b', 'c']);
	expect(seen).toEqual(['a:0', 'b:1', 'c:2']);
});

it('fails only the write that fails: the others of its batch are committed', async () => {
	const results = await Promise.allSettled([
		groupCommit(h.db, program('a')),
		groupCommit(h.db, program('a')), // the same id again: a unique violation
		groupCommit(h.db, program('b'))
	]);
	expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
	const ids = (await h.db.selectFrom('programs').select('id').orderBy('id').execute()).map((r) => r.id);
	expect(ids).toEqual(['a', 'b']);
});
