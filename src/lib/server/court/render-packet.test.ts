// The court evidence packet as an archival, accessible file, read by tools that are not ours:
// tagged with its tables' headers (a repeated header row is an artifact), PDF/A-3b, and all of it
// still there after the PDF signature it gets like a certificate (sign.ts). What it says, and to
// whom: tests/integration/evidence-packet.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeys, loadKeys, type LoadedKeys } from '../certificates/keys-folder';
import { signPdf } from '../certificates/sign';
import { sha256Hex } from '../ids';
import {
	pdffonts,
	pdfinfo,
	pdftotext,
	preflightErrors,
	qpdfCheck,
	qpdfObjects,
	skipWithout,
	structText,
	untaggedPaint,
	writeTemp,
	xmlProblem,
	xmp
} from '../testing/pdf-tools';
import type { PacketFacts } from './packet-facts';
import { renderPacket } from './render-packet';

const noPoppler = skipWithout('poppler');
const noQpdf = skipWithout('qpdf');
const noXmllint = skipWithout('xmllint');
const noPreflight = skipWithout('preflight');
const PDFA3_ALLOWS = ['3.1.11', '7.11.2']; // see certificates/archival-pdf.test.ts (no embedded files here)

const at = (day: number, hour = 15) => new Date(Date.UTC(2026, 3, day, hour, 5)).toISOString();
const facts: PacketFacts = {
	number: 'RC-EP-2026-000042',
	generatedAt: '2026-05-06T16:00:00.000Z',
	generatedBy: { name: 'Pat Clerk', role: 'court' },
	timeZone: 'America/Chicago',
	programName: 'Offenders Prostitution Program',
	provider: 'Smith & Jones <Counseling>',
	courtName: 'Ramsey County District Court',
	referral: {
		legalName: 'Zoë Ångström-Nguyễn',
		dateOfBirth: '1985-03-14',
		caseNumber: '62-CR-26-1234',
		offence: 'Solicitation (Minn. Stat. § 609.324)',
		referralDate: '2026-03-30',
		dueDate: '2026-06-30',
		curriculum: 'Offenders Prostitution Program 2026.1',
		activatedAt: at(1),
		extensions: [
			{ previousDueDate: '2026-05-30', newDueDate: '2026-06-30', orderReference: 'ORDER 2026-0417', recordedAt: at(20) }
		]
	},
	standing: {
		standing: 'completed',
		daysLeft: 55,
		reasons: [],
		completedAt: at(30),
		lastActivityAt: at(30),
		modulesDone: 3,
		modules: 3,
		creditedSeatSeconds: 29100,
		requiredSeatSeconds: 28800
	},
	requirements: [
		{ key: 'modules', label: 'Every module completed', met: true, detail: '3 of 3' },
		{ key: 'quizzes', label: 'Every quiz passed', met: true, detail: '3 of 3' },
		{ key: 'reflections', label: 'Every reflection satisfactory', met: true, detail: '3 of 3' },
		{ key: 'fee', label: 'Fee paid or waived', met: true, detail: 'Waived' },
		{ key: 'attestation', label: 'Attestation signed', met: true, detail: 'Signed' }
	],
	modules: Array.from({ length: 3 }, (_, i) => ({
		position: i + 1,
		title: `Module ${i + 1}: the law, the harm and the way out`,
		seatSeconds: 3700,
		requiredSeconds: 3600,
		startedAt: at(i + 2),
		completedAt: at(i + 3),
		quiz: { attemptsUsed: 1, attemptsAllowed: 3, bestScore: 90, passMark: 80, passed: true, locked: false },
		reflections: [{ number: 1, of: 1, versions: 1, outcome: 'satisfactory' as const, gradedAt: at(i + 4) }]
	})),
	sessions: [],
	fee: { required: true, status: 'waived', recordedAt: at(2) },
	attestation: { name: 'Zoë Ångström-Nguyễn', at: at(30, 14) },
	signoff: { at: at(30), by: 'Maria Hernandez' },
	certificates: [
		{
			serial: 'RC-2026-000123',
			status: 'valid',
			issuedAt: at(30),
			revokedAt: null,
			revokeReason: null,
			supersededBy: null
		}
	],
	verifyUrl: 'https://johnschool.example.org/verify',
	// Enough events for the record's table to run over a page break.
	events: Array.from({ length: 40 }, (_, i) => ({
		at: at(1 + (i % 28), 10 + (i % 8)),
		title: `Event ${i + 1}`,
		detail: i % 3 ? undefined : 'with a note',
		by: i % 2 ? 'Maria Hernandez' : undefined
	}))
};

const tmp = mkdtempSync(join(tmpdir(), 'js-packet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let keys: LoadedKeys;
let unsigned: Buffer;
let signed: Buffer;
beforeAll(async () => {
	generateKeys(join(tmp, 'keys'), { programName: 'Packet Test Program' });
	keys = loadKeys(join(tmp, 'keys'));
	unsigned = await renderPacket(facts);
	signed = await signPdf(unsigned, keys.pdf.p12, keys.pdf.passphrase, {
		reason: 'Court evidence packet',
		name: facts.provider,
		location: facts.programName,
		contactInfo: 'https://johnschool.example.org',
		signingTime: new Date(facts.generatedAt)
	});
});

describe('the court evidence packet as an archival, tagged PDF', () => {
	it('gives identical bytes for identical facts', async () => {
		expect(sha256Hex(await renderPacket(structuredClone(facts)))).toBe(sha256Hex(unsigned));
	});

	it.skipIf(noPoppler)('says "Tagged: yes" with its title, PDF 1.7, fonts embedded, before and after signing', () => {
		for (const [when, pdf] of [
			['unsigned', unsigned],
			['signed', signed]
		] as const) {
			const file = writeTemp(pdf);
			const info = pdfinfo(file);
			expect(info.Tagged, when).toBe('yes');
			expect(info.Title, when).toBe('Court evidence packet');
			expect(info['PDF version'], when).toBe('1.7');
			expect(Number(info.Pages), when).toBeGreaterThan(1);
			for (const row of pdffonts(file)) expect(row, when).toMatch(/\byes\s+yes\s+yes\b/);
		}
	});

	it.skipIf(noQpdf)(
		'is clean for qpdf, in US English with its title shown, its tables with row and column headers, nothing painted untagged',
		() => {
			for (const [when, pdf] of [
				['unsigned', unsigned],
				['signed', signed]
			] as const) {
				const file = writeTemp(pdf);
				expect(qpdfCheck(file).out, when).toContain('No syntax or stream encoding errors found');
				const o = qpdfObjects(file);
				const root = o.dict(o.trailer['/Root']);
				expect(root['/Lang'], when).toBe('u:en-US');
				expect(o.dict(root['/ViewerPreferences'])['/DisplayDocTitle'], when).toBe(true);
				const scopes = Object.values(o.all)
					.map((x) => (x.value as Record<string, Record<string, unknown>> | undefined)?.['/A']?.['/Scope'])
					.filter(Boolean);
				expect(scopes, when).toContain('/Column');
				expect(scopes, when).toContain('/Row');
				expect(untaggedPaint(file), when).toEqual([]);
			}
		}
	);

	it.skipIf(noPoppler)(
		'reads as headings, paragraphs and tables with their headers; running heads and a repeated header row are left out',
		() => {
			const tree = structText(writeTemp(unsigned));
			expect(structText(writeTemp(signed))).toBe(tree);
			let pos = -1;
			for (const s of [
				'H1',
				'"Court evidence packet"',
				'H2',
				'"Referral"',
				'Table',
				'TR',
				'TH',
				'"Participant"',
				'TD',
				`"${facts.referral.legalName}"`,
				'"Standing"',
				'"Module time log"',
				'"Record of events"',
				'"Event 40 with a note"'
			]) {
				const next = tree.indexOf(s, pos + 1);
				expect(next, s).toBeGreaterThan(pos);
				pos = next;
			}
			// Page furniture is an artifact: the running head never enters the tree.
			expect(tree).not.toContain('COURT EVIDENCE PACKET');
			expect(tree).not.toMatch(/Page \d+ of \d+/);
			// The events table's header row is tagged once although it is printed on every page it spans.
			expect(pdftotext(writeTemp(unsigned)).match(/Recorded by/g)!.length).toBeGreaterThan(1);
			expect(tree.match(/"Recorded by"/g)).toHaveLength(1);
		},
		120_000
	); // poppler takes seconds to read a few pages' structure with their text

	it.skipIf(noXmllint)(
		'has well-formed XMP saying PDF/A-3b, with the provider’s name escaped, kept through signing',
		() => {
			const packet = xmp(unsigned);
			expect(xmlProblem(packet)).toBeNull();
			expect(packet).toContain('<pdfaid:part>3</pdfaid:part>');
			expect(packet).toContain('<rdf:li>Smith &amp; Jones &lt;Counseling&gt;</rdf:li>');
			expect(xmp(signed)).toBe(packet);
		}
	);

	it.skipIf(noPreflight)(
		'passes Apache PDFBox Preflight but for what PDF/A-3 allows over PDF/A-1, before and after signing',
		() => {
			for (const pdf of [unsigned, signed])
				expect(preflightErrors(writeTemp(pdf)).filter((e) => !PDFA3_ALLOWS.includes(e))).toEqual([]);
		}
	);

	it.skipIf(noPoppler)('writes preview PNGs of its first two pages to /tmp/cert-preview (to look at)', () => {
		mkdirSync('/tmp/cert-preview', { recursive: true });
		writeFileSync('/tmp/cert-preview/packet.pdf', signed);
		execFileSync('pdftoppm', ['-png', '-r', '100', '-f', '1', '-l', '2', 'packet.pdf', 'packet'], {
			cwd: '/tmp/cert-preview'
		});
	});
});
