import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { clock, today } from '../../src/lib/server/clock';
import { csvSafe, EXPORT_COLUMNS, referralsCsv } from '../../src/lib/server/court/export';
import { createReferral } from '../../src/lib/server/enrollment/referral.service';
import { makeCurriculum, makeParticipant, makeProgram, makeStaff } from '../../src/lib/server/testing/factories';
import { forEachDb, makeCourt } from './helpers';

const T0 = new Date('2026-04-01T12:00:00.000Z');

describe('CSV cells', () => {
	it.each([
		['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
		['+1 555', `'+1 555`],
		['-2+3', `'-2+3`],
		['@SUM(A1)', `'@SUM(A1)`],
		['\tTab', `'\tTab`],
		['Dale Person', 'Dale Person'],
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
		await createReferral(ctx.db, clerk, { ...base, legalName: '=HYPERLINK("http://evil.example","click")', courtId: p.courtId, caseNumber: '62-CR-26-1', dueDate: '2026-03-01', referralDate: '2026-01-01' });
		await createReferral(ctx.db, clerk, { ...base, legalName: 'Dale, "Dee" Person', courtId: p.courtId, caseNumber: '62-CR-26-2', dueDate: '2026-12-01', referralDate: '2026-01-01' });
		await createReferral(ctx.db, otherClerk, { ...base, legalName: 'Other Court Person', courtId: otherCourt, caseNumber: '62-CR-26-3', dueDate: '2026-12-01' });
		return { ...p, clerk, otherClerk };
	}

	describe('who may not', () => {
		it('gives a participant and a facilitator no rows, and court staff only their courts', async () => {
			const s = await setup();
			const facilitator = await makeStaff(ctx.db, ['facilitator'], { programId: s.programId });
			const participant = (await makeParticipant(ctx.db, s.clerk, s.courtId)).user;
			for (const who of [facilitator, participant]) expect((await referralsCsv(ctx.db, who, null)).rows).toBe(0);
			const other = parse((await referralsCsv(ctx.db, s.otherClerk, null)).csv, { bom: true, columns: true }) as Record<string, string>[];
			expect(other.map((r: Record<string, string>) => r.Name)).toEqual(['Other Court Person']);
		});
	});

	it('writes one row per referral with quoting and formula-safe cells, filtered by status, audited', async () => {
		const s = await setup();
		const r = await referralsCsv(ctx.db, s.clerk, null, '10.2.3.4');
		expect(r.csv.charCodeAt(0)).toBe(0xfeff);
		expect(r.csv).toContain('\r\n');
		const rows = parse(r.csv, { bom: true, columns: true }) as Record<string, string>[];
		expect(Object.keys(rows[0])).toEqual(EXPORT_COLUMNS);
		expect(rows.map((x) => x.Name).sort()).toEqual([`'=HYPERLINK("http://evil.example","click")`, 'Dale, "Dee" Person'].sort());
		const overdue = parse((await referralsCsv(ctx.db, s.clerk, 'overdue')).csv, { bom: true, columns: true }) as Record<string, string>[];
		expect(overdue).toHaveLength(1);
		expect(overdue[0]).toMatchObject({ 'Case number': '62-CR-26-1', Status: 'Overdue', 'Date of birth': '1979-06-15', Due: '2026-03-01' });
		const audits = await ctx.db.selectFrom('audit_log').select(['action', 'details_json']).where('actor_id', '=', s.clerk.id).where('action', '=', 'court.export').execute();
		expect(audits.map((a) => JSON.parse(a.details_json))).toEqual([{ status: 'all', rows: 2 }, { status: 'overdue', rows: 1 }]);
	});
});
