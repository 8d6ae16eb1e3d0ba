import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './index';

describe('prepared statements reused on SQLite', () => {
	it('prepares one SQL text once, and evicts the least recently used beyond its size', () => {
		const raw = new SQLite(':memory:');
		const db = withStatementCache(raw, 2);
		const a = db.prepare('select 1');
		expect(db.prepare('select 1')).toBe(a);
		const b = db.prepare('select 2');
		db.prepare('select 1'); // a is now the most recently used
		db.prepare('select 3'); // evicts b
		expect(db.prepare('select 1')).toBe(a);
		expect(db.prepare('select 2')).not.toBe(b);
		raw.close();
	});

	it('gives a fresh statement while the cached one is still being iterated', () => {
		const raw = new SQLite(':memory:');
		const db = withStatementCache(raw);
		const s = db.prepare('select 1 as n union all select 2') as unknown as SQLite.Statement;
		const it = s.iterate();
		it.next();
		const other = db.prepare('select 1 as n union all select 2') as unknown as SQLite.Statement;
		expect(other).not.toBe(s);
		expect(other.all()).toEqual([{ n: 1 }, { n: 2 }]);
		it.return?.();
		raw.close();
	});

	it('answers through Kysely as before, a schema change included', async () => {
		const raw = new SQLite(':memory:');
		const db = new Kysely<{ t: { id: number; name?: string } }>({
			dialect: new SqliteDialect({ database: withStatementCache(raw) })
		});
		await sql`create table t (id integer primary key)`.execute(db);
		await db.insertInto('t').values({ id: 1 }).execute();
		expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1 }]);
		await sql`alter table t add column name text default 'x'`.execute(db);
		expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1, name: 'x' }]);
		const r = await db.insertInto('t').values({ id: 2 }).executeTakeFirst();
		expect(r.numInsertedOrUpdatedRows).toBe(1n);
		await db.destroy();
	});
});
