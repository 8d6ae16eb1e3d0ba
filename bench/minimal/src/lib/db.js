// One Kysely instance on better-sqlite3, as the app opens it (WAL, synchronous=FULL): the file the
// bench made (MINIMAL_DB), with one table of ten rows (in memory while vite build analyses the routes).
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

const sqlite = new Database(process.env.MINIMAL_DB ?? ':memory:');
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = FULL');
sqlite.exec('create table if not exists items (id integer primary key, name text not null, created_at text not null)');
export const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
