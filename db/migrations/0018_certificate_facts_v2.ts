import type { Kysely } from 'kysely';

// Certificate facts version 2 (what 16 TAC §92.51 asks a completion certificate to state): a
// registration number per participant in his program, the offence date, the exact attestation he
// signed, and the signer's job title. Frozen: never edit after it lands.
//
// Also puts the text that feeds certificates into Unicode NFC: version 2 is signed with RFC 8785,
// which compares bytes, so "é" must always be U+00E9 and never e + U+0301. NFC is canonically
// equivalent (the same text, read and printed alike); issued certificates (facts_json) are signed
// records and are not touched.

/** The attestation text the product has shown since its first version: what every attested participant signed. */
const ATTESTATION_TEXT =
	'I, the undersigned, attest that I personally completed all of the coursework of this program: I read the modules, answered the quizzes ' +
	'and wrote the reflections myself, without anyone else doing them for me. I understand that this attestation is made under penalty of law ' +
	'and that a false statement may be reported to the court.';

const NFC_COLUMNS: Record<string, string[]> = {
	enrollments: ['legal_name', 'attestation_name', 'offence'],
	users: ['name'],
	courts: ['name', 'county'],
	programs: ['name', 'provider']
};

export async function up(db: Kysely<any>): Promise<void> {
	for (const [table, columns] of Object.entries(NFC_COLUMNS)) {
		const rows = (await db
			.selectFrom(table)
			.select(['id', ...columns])
			.execute()) as Record<string, string | null>[];
		for (const row of rows) {
			const changed: Record<string, string> = {};
			for (const c of columns) {
				const value = row[c];
				if (typeof value === 'string' && value !== value.normalize('NFC')) changed[c] = value.normalize('NFC');
			}
			if (Object.keys(changed).length) await db.updateTable(table).set(changed).where('id', '=', row.id).execute();
		}
	}

	// Registration numbers: <serial prefix>-P-<at least six digits>, numbered per program in the
	// order the referrals were made; the counter holds the last one given.
	await db.schema
		.createTable('registration_counters')
		.addColumn('program_id', 'text', (c) => c.primaryKey().references('programs.id'))
		.addColumn('last_value', 'integer', (c) => c.notNull())
		.execute();
	await db.schema.alterTable('enrollments').addColumn('registration_number', 'text').execute();
	const programs = await db.selectFrom('programs').select(['id', 'serial_prefix']).execute();
	for (const p of programs) {
		const rows = await db
			.selectFrom('enrollments')
			.select('id')
			.where('program_id', '=', p.id)
			.orderBy('created_at')
			.orderBy('id')
			.execute();
		let n = 0;
		for (const r of rows) {
			n++;
			await db
				.updateTable('enrollments')
				.set({ registration_number: `${p.serial_prefix}-P-${String(n).padStart(6, '0')}` })
				.where('id', '=', r.id)
				.execute();
		}
		if (n > 0) await db.insertInto('registration_counters').values({ program_id: p.id, last_value: n }).execute();
	}
	// Serial prefixes are unique (0010), so registration numbers are unique across programs too.
	await db.schema
		.createIndex('enrollments_registration_number_uq')
		.on('enrollments')
		.column('registration_number')
		.unique()
		.execute();

	// The offence date, where the court gives it (YYYY-MM-DD); personal data, blanked by the purge.
	await db.schema.alterTable('enrollments').addColumn('offence_date', 'text').execute();

	// The exact attestation signed, kept with the signature so a later change of wording never
	// changes what an earlier participant is said to have signed.
	await db.schema.alterTable('enrollments').addColumn('attestation_text', 'text').execute();
	await db
		.updateTable('enrollments')
		.set({ attestation_text: ATTESTATION_TEXT })
		.where('attested_at', 'is not', null)
		.execute();

	// A staff member's job title, printed with his name where he signs ("Program Facilitator").
	await db.schema.alterTable('users').addColumn('title', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('users').dropColumn('title').execute();
	await db.schema.alterTable('enrollments').dropColumn('attestation_text').execute();
	await db.schema.alterTable('enrollments').dropColumn('offence_date').execute();
	await db.schema.dropIndex('enrollments_registration_number_uq').execute();
	await db.schema.alterTable('enrollments').dropColumn('registration_number').execute();
	await db.schema.dropTable('registration_counters').execute();
}
