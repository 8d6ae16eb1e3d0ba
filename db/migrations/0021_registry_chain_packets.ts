import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// The registry and verification, in one migration:
// 1. The verification log becomes a hash chain like the audit log (0003): each row carries a
//    sequence number, the hash of the row before and its own hash over a fixed canonical form, and a
//    single head row that every writer updates first serialises appends across server processes.
//    Rows already in the log are chained here, oldest first (by time, then id), so the chain covers
//    the whole log from its first row; what they were before this migration cannot be proved, but
//    from now on any change to them is. The log is made append-only as the audit log is.
// 2. Court evidence packets are registered (number printed on the packet, SHA-256 of the signed
//    file, court, enrollment, made at/by), so an uploaded packet can be recognised or called altered.
//    The file itself is not kept: it carries personal data, and the hash is all a check needs.
// Frozen: never edit after it lands. The digest below must stay identical to
// src/lib/server/verification/verification-log.ts (a migration may not import app code).

const GENESIS = '0'.repeat(64);

function digest(r: {
	prev_hash: string;
	seq: number;
	id: string;
	at: string;
	method: string;
	serial: string | null;
	certificate_id: string | null;
	outcome: string;
	user_id: string | null;
}): string {
	return createHash('sha256')
		.update(
			JSON.stringify([r.prev_hash, r.seq, r.id, r.at, r.method, r.serial, r.certificate_id, r.outcome, r.user_id]),
			'utf8'
		)
		.digest('hex');
}

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('verification_log').addColumn('seq', 'integer').execute();
	await db.schema.alterTable('verification_log').addColumn('prev_hash', 'text').execute();
	await db.schema.alterTable('verification_log').addColumn('hash', 'text').execute();

	let prev = GENESIS;
	let seq = 0;
	for (;;) {
		const rows = await db
			.selectFrom('verification_log')
			.selectAll()
			.where('seq', 'is', null)
			.orderBy('at')
			.orderBy('id')
			.limit(500)
			.execute();
		if (rows.length === 0) break;
		for (const r of rows) {
			seq++;
			const row = { ...(r as Omit<Parameters<typeof digest>[0], 'seq' | 'prev_hash'>), seq, prev_hash: prev };
			const hash = digest(row);
			await db.updateTable('verification_log').set({ seq, prev_hash: prev, hash }).where('id', '=', r.id).execute();
			prev = hash;
		}
	}
	await db.schema.createIndex('verification_log_seq_uq').on('verification_log').column('seq').unique().execute();
	// The admin's and the court's "who checked this certificate", newest first.
	await db.schema
		.createIndex('verification_log_certificate_idx')
		.on('verification_log')
		.columns(['certificate_id', 'seq'])
		.execute();
	await db.schema
		.createIndex('verification_log_serial_idx')
		.on('verification_log')
		.columns(['serial', 'seq'])
		.execute();

	await db.schema
		.createTable('verification_log_head')
		.addColumn('id', 'integer', (c) => c.primaryKey())
		.addColumn('seq', 'integer', (c) => c.notNull())
		.addColumn('hash', 'text', (c) => c.notNull())
		.execute();
	await db.insertInto('verification_log_head').values({ id: 1, seq, hash: prev }).execute();

	const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
	if (isPg) {
		await sql`create function verification_log_append_only() returns trigger language plpgsql as $$
			begin raise exception 'verification_log is append-only'; end $$`.execute(db);
		await sql`create trigger verification_log_no_update before update or delete on verification_log
			for each row execute function verification_log_append_only()`.execute(db);
	} else {
		await sql`create trigger verification_log_no_update before update on verification_log
			begin select raise(abort, 'verification_log is append-only'); end`.execute(db);
		await sql`create trigger verification_log_no_delete before delete on verification_log
			begin select raise(abort, 'verification_log is append-only'); end`.execute(db);
	}

	await db.schema
		.createTable('packet_counters')
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('year', 'integer', (c) => c.notNull())
		.addColumn('last_value', 'integer', (c) => c.notNull())
		.addPrimaryKeyConstraint('packet_counters_pk', ['program_id', 'year'])
		.execute();
	await db.schema
		.createTable('evidence_packets')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('number', 'text', (c) => c.notNull().unique())
		.addColumn('sha256', 'text', (c) => c.notNull().unique())
		.addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
		.addColumn('court_id', 'text', (c) => c.notNull().references('courts.id'))
		.addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
		.addColumn('made_at', 'text', (c) => c.notNull())
		.addColumn('made_by', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('made_as', 'text', (c) => c.notNull()) // court | facilitator | admin
		.addColumn('pdf_key_id', 'text', (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex('evidence_packets_enrollment_idx')
		.on('evidence_packets')
		.columns(['enrollment_id', 'made_at'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('evidence_packets').execute();
	await db.schema.dropTable('packet_counters').execute();
	const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
	if (isPg) {
		await sql`drop trigger verification_log_no_update on verification_log`.execute(db);
		await sql`drop function verification_log_append_only()`.execute(db);
	} else {
		await sql`drop trigger verification_log_no_update`.execute(db);
		await sql`drop trigger verification_log_no_delete`.execute(db);
	}
	await db.schema.dropTable('verification_log_head').execute();
	for (const i of ['verification_log_serial_idx', 'verification_log_certificate_idx', 'verification_log_seq_uq'])
		await db.schema.dropIndex(i).execute();
	for (const c of ['hash', 'prev_hash', 'seq']) await db.schema.alterTable('verification_log').dropColumn(c).execute();
}
