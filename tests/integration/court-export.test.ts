import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { clock, today } from '../../src/lib/server/clock';
import { EXPORT_COLUMNS, referralsCsv } from '../../src/lib/server/court/export';
import { csvSafe } from '../../src/lib/server/csv';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb, makeCourt } from '../../src/lib/server/testing/db-tests';

const T0 = new Date('2026-04-01T12:00:00.000Z');

// A cell that starts a formula, after the blanks and quote marks a reader may skip.
const FORMULA = /^[\s\p{Zs}\u200B-\u200D\u2060\uFEFF"]*[=+\-@＝＋－＠﹦﹢﹣﹫]/u;

/** The cells a spreadsheet that splits on this delimiter and at every line break, quotes or not, would see. */
function cellsSplitOn(csv: string, delimiter: string): string[] {
	const rows = parse(csv, {
		bom: true,
		delimiter,
		quote: false,
		record_delimiter: ['\r\n', '\n', '\r'],
		relax_column_count: true
	}) as string[][];
	return rows.flat();
}

describe('CSV cells', () => {
	it.each([
		['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
		['+1 555', `'+1 555`],
		['-2+3', `'-2+3`],
		['@SUM(A1)', `'@SUM(A1)`],
		['\tTab', `'\tTab`],
		['Dale;=1+1', `Dale;'=1+1`],
		['Dale\t=1+1', `Dale\t'=1+1`],
		['Dale|@SUM(A1)', `Dale|'@SUM(A1)`],
		['Dale, -2+3', `Dale,' -2+3`],
		['Dale\r\n+1', `Dale\r\n'+1`],
		['  =1+1', `'  =1+1`],
		['Dale;\u00a0"=1+1"', `Dale;'\u00a0"=1+1"`],
		['＝1+1', `'＝1+1`],
		['Dale;＋1', `Dale;'＋1`],
		['Dale;－1', `Dale;'－1`],
		['Dale;＠SUM(A1)', `Dale;'＠SUM(A1)`],
		['Dale Person', 'Dale Person'],
		["Mary-Jane O'Neil", `Mary-Jane O'Neil`],
		['2026-03-01', '2026-03-01'],
		[null, '']
	])('keeps %j as text', (input, out) => {
		expect(csvSafe(input)).toBe(out);
	});
});

forEachDb('court referrals export', (ctx) => {
	async function setup() {
		clock.set(T0);
		const p = await makeProgram(ctx.db);
		await makeCurriculum(ctx.db, p.slug, 1);
		const clerk = await makeStaff(ctx.db, ['court'], { courtId: p.courtId });
		const otherCourt = await makeCourt(ctx.db, p.programId);
		const otherClerk = await makeStaff(ctx.db, ['court'], { courtId: otherCourt });
		const base = { dateOfBirth: '1979-06-15', referralDate: today() };
		await createReferral(ctx.db, clerk, {
			...base,
			legalName: '=HYPERLINK("http://evil.example","click")',
			courtId: p.courtId,
			caseNumber: '62-CR-26-1',
			dueDate: '2026-03-01',
			referralDate: '2026-01-01'
		});
		await createReferral(ctx.db, clerk, {
			...base,
			legalName: 'Dale, "Dee" Person',
			courtId: p.courtId,
			caseNumber: '62-CR-26-2',
			dueDate: '2026-12-01',
			referralDate: '2026-01-01'
		});
		await createReferral(ctx.db, otherClerk, {
			...base,
			legalName: 'Other Court Person',
			courtId: otherCourt,
			caseNumber: '62-CR-26-3',
			dueDate: '2026-12-01'
		});
		return { ...p, clerk, otherClerk };
	}

	describe('who may not', () => {
		it('gives a participant and a facilitator no rows, and court staff only their courts', async () => {
			const s = await setup();
			const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: s.programId });
			const participant = (await makeParticipant(ctx.db, s.clerk, s.courtId)).user;
			for (const who of [facilitator, participant]) expect((await referralsCsv(ctx.db, who, null)).rows).toBe(0);
			const other = parse((await referralsCsv(ctx.db, s.otherClerk, null)).csv, { bom: true, columns: true }) as Record<
				string,
				string
			>[];
			expect(other.map((r: Record<string, string>) => r.Name)).toEqual(['Other Court Person']);
		});
	});

	it('leaves no cell that starts a formula for a spreadsheet splitting on , ; tab | or a line break', async () => {
		const s = await setup();
		const base = { dateOfBirth: '1979-06-15', referralDate: '2026-01-01', dueDate: '2026-12-01', courtId: s.courtId };
		const names = [
			'Dale;=HYPERLINK("http://evil.example","x")',
			'Dale\t+1',
			'Dale|@SUM(A1)',
			'Dale\n-2+3',
			'Dale; =1+1',
			'Dale;"=1+1"',
			'Dale;＝1+1',
			'Dale,＠SUM(A1)'
		];
		for (const [i, legalName] of names.entries())
			await createReferral(ctx.db, s.clerk, { ...base, legalName, caseNumber: `62-CR-26-${100 + i}` });
		// Columns that look safe (dates, a case number, the court's name) hold whatever was stored.
		await ctx.db.updateTable('courts').set({ name: 'Court;=1+1' }).where('id', '=', s.courtId).execute();
		await ctx.db
			.updateTable('enrollments')
			.set({ date_of_birth: '@SUM(1+1)', next_hearing_date: '-1+1', case_number: '62-CR|=1+1' })
			.where('case_number', '=', '62-CR-26-100')
			.execute();
		const { csv } = await referralsCsv(ctx.db, s.clerk, null);

		for (const delimiter of [',', ';', '\t', '|']) {
			const cells = cellsSplitOn(csv, delimiter);
			expect(
				cells.filter((c) => FORMULA.test(c)),
				`split on ${JSON.stringify(delimiter)}`
			).toEqual([]);
			// The split does reach the formulas: they begin cells, behind their apostrophe.
			expect(
				cells.filter((c) => /^'[=+\-@＝＋－＠]/u.test(c)).length,
				`split on ${JSON.stringify(delimiter)}`
			).toBeGreaterThan(0);
		}
		// Read as the comma-separated file it is, every value is there, with an apostrophe before each formula.
		const rows = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
		expect(rows).toHaveLength(names.length + 2);
		expect(rows.flatMap((r) => Object.values(r)).filter((c) => FORMULA.test(c))).toEqual([]);
		expect(rows.map((r) => r.Name)).toEqual(
			expect.arrayContaining([
				`Dale;'=HYPERLINK("http://evil.example","x")`,
				`Dale\t'+1`,
				`Dale;'＝1+1`,
				`Dale,'＠SUM(A1)`
			])
		);
		expect(rows.find((r) => r['Date of birth'] === `'@SUM(1+1)`)).toMatchObject({
			'Case number': `62-CR|'=1+1`,
			'Next hearing': `'-1+1`,
			Court: `Court;'=1+1`
		});
	});

	it('writes one row per referral with quoting and formula-safe cells, filtered by status, audited', async () => {
		const s = await setup();
		const r = await referralsCsv(ctx.db, s.clerk, null, '10.2.3.4');
		expect(r.csv.charCodeAt(0)).toBe(0xfeff);
		expect(r.csv).toContain('\r\n');
		const rows = parse(r.csv, { bom: true, columns: true }) as Record<string, string>[];
		expect(Object.keys(rows[0])).toEqual(EXPORT_COLUMNS);
		expect(rows.map((x) => x.Name).sort()).toEqual(
			[`'=HYPERLINK("http://evil.example","click")`, 'Dale, "Dee" Person'].sort()
		);
		const overdue = parse((await referralsCsv(ctx.db, s.clerk, 'overdue')).csv, { bom: true, columns: true }) as Record<
			string,
			string
		>[];
		expect(overdue).toHaveLength(1);
		expect(overdue[0]).toMatchObject({
			'Case number': '62-CR-26-1',
			Status: 'Overdue',
			'Date of birth': '1979-06-15',
			Due: '2026-03-01'
		});
		const audits = await ctx.db
			.selectFrom('audit_log')
			.select(['action', 'details_json'])
			.where('actor_id', '=', s.clerk.id)
			.where('action', '=', 'court.export')
			.execute();
		expect(audits.map((a) => JSON.parse(a.details_json))).toEqual([
			{ status: 'all', rows: 2 },
			{ status: 'overdue', rows: 1 }
		]);
	});
});
