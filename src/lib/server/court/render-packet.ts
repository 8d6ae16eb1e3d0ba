/**
 * The court evidence packet as a PDF (US Letter, as many pages as the record needs), PDF/A-3b and
 * tagged like the certificate (certificates/archival-pdf.ts): H1 title, H2 sections, tables with
 * their headers, running heads and page numbers as artifacts. Pure: facts in, bytes out; the clock is
 * read by the service (facts.generatedAt). Fonts are the certificate's embedded Liberation fonts, so
 * any name prints as written and the file prints the same everywhere. Times are shown in the
 * program's time zone, dates as the court set them.
 */
import { standingLabels, type RiskReason, type Standing } from '../../domain/standing';
import { sessionKindLabel } from '../../domain/live-sessions';
import { formatSessionTime, zoneName } from '../../domain/local-time';
import { dueIn, longDate, minutes } from '../../format';
import { dateTimeFormat, formatPart } from '../../domain/formatters';
import { archivalDocument, artifact } from '../certificates/archival-pdf';
import type { PacketFacts, PacketReflection, PacketRole, PacketSession } from './packet-facts';
import { ACCENT, CW, Flow, INK, MUTED, PAGE, plain, RULE, type Cell } from './pdf-layout';

const OK = '#1e6b3a';
const WARN = '#8a5a00';
const BAD = '#a12622';

const ROLE_LABELS: Record<PacketRole, string> = {
	court: 'court staff',
	facilitator: 'facilitator',
	admin: 'program administrator'
};
const STANDING_COLORS: Record<Standing, string> = {
	completed: OK,
	on_track: INK,
	not_started: INK,
	withdrawn: MUTED,
	at_risk: WARN,
	overdue: BAD
};
const REASONS: Record<RiskReason, string> = {
	not_activated: 'account not activated',
	time_left: 'the module time left does not fit before the due date at an hour a day',
	inactive: 'no activity for over a week',
	quiz_locked: 'a quiz is locked until a facilitator unlocks it'
};
const REFLECTION_OUTCOMES: Record<PacketReflection['outcome'], Cell> = {
	satisfactory: { text: 'Satisfactory', color: OK },
	needs_revision: { text: 'Returned for revision', color: WARN },
	submitted: { text: 'Awaiting grade' },
	none: { text: 'Not submitted', color: MUTED }
};
const SESSION_STATES: Record<PacketSession['state'], Cell> = {
	present: { text: 'Present', color: OK },
	late: { text: 'Late', color: WARN },
	left_early: { text: 'Left early', color: WARN },
	absent: { text: 'Absent', color: BAD },
	registered: { text: 'Registered (upcoming)' },
	not_recorded: { text: 'Attendance not recorded', color: MUTED },
	registration_cancelled: { text: 'Registration cancelled', color: MUTED },
	session_cancelled: { text: 'Session cancelled by the program', color: MUTED }
};
const CERTIFICATE_STATUS = {
	valid: { text: 'Valid', color: OK },
	revoked: { text: 'Revoked', color: BAD },
	superseded: { text: 'Superseded', color: WARN }
} as const;

export async function renderPacket(f: PacketFacts): Promise<Buffer> {
	const tz = f.timeZone;
	const instant = dateTimeFormat('en-US', {
		timeZone: tz,
		year: 'numeric',
		month: 'short',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit'
	});
	const when = (iso: string) => plain(instant.format(new Date(iso)));
	const zoneAbbr = plain(
		formatPart(
			dateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' }),
			new Date(f.generatedAt),
			'timeZoneName'
		) ?? tz
	);
	const localDay = (iso: string) => plain(longDate(iso, tz));
	const r = f.referral;
	const s = f.standing;

	const { doc, root, done } = archivalDocument(
		// The number in the keywords, as a certificate carries its serial: the upload check reads it there
		// to tell an altered packet from an unknown file (verification/claimed-serial.ts).
		{
			title: 'Court evidence packet',
			author: f.provider,
			subject: `Case ${r.caseNumber}`,
			keywords: f.number ? `${f.number} court evidence packet` : undefined,
			createdAt: new Date(f.generatedAt)
		},
		{ bufferPages: true, margins: { top: 0, left: PAGE.X, right: PAGE.X, bottom: 0 } }
	);
	const flow = new Flow(doc, root);

	// Title
	flow.put('Court evidence packet', PAGE.X, CW, 'sansBold', 18, INK, 1, 'H1');
	flow.y += 24;
	flow.paragraph(
		`The record behind the standing of ${r.legalName} in this program, for the case file. Times are ${zoneName(tz)}.`,
		{ size: 9.5, color: MUTED, gap: 4 }
	);
	if (f.number) {
		flow.paragraph(
			`Packet number ${f.number}. It is signed by the program and registered: to check that this file is genuine and unaltered, upload it at ${f.verifyUrl}.`,
			{ size: 9.5, gap: 4 }
		);
	}
	flow.paragraph(
		'A report from the program’s records, not a certificate: the certificate is the record of completion. ' +
			'Its request is recorded in the program’s audit log. Left out on purpose: the participant’s written reflections, the facilitators’ feedback on them, ' +
			'his quiz answers, the reasons staff gave for unlocking a quiz, and staff case notes.',
		{ size: 8.5, color: MUTED, gap: 0 }
	);

	// Referral
	flow.heading('Referral');
	const original = r.extensions[0]?.previousDueDate;
	flow.facts([
		['Participant', { text: r.legalName, bold: true }],
		['Date of birth', longDate(r.dateOfBirth)],
		['Case number', { text: r.caseNumber, bold: true }],
		...(r.offence ? ([['Offence', r.offence]] as [string, string][]) : []),
		['Referring court', f.courtName],
		['Referral date', longDate(r.referralDate)],
		[
			'Due date',
			original
				? {
						text: longDate(r.dueDate),
						note: `Originally ${longDate(original)}; extended by court order ${r.extensions.length === 1 ? 'once' : r.extensions.length === 2 ? 'twice' : `${r.extensions.length} times`} (below).`
					}
				: longDate(r.dueDate)
		],
		['Course', r.curriculum ?? 'Not started'],
		['Account activated', r.activatedAt ? when(r.activatedAt) : 'Not yet']
	]);
	if (r.extensions.length) {
		flow.y += 2;
		flow.table(
			[
				{ header: 'Due date extended from', width: 130 },
				{ header: 'To', width: 120 },
				{ header: 'Court order', width: 134 },
				{ header: 'Recorded', width: 120 }
			],
			r.extensions.map((x) => [
				longDate(x.previousDueDate),
				{ text: longDate(x.newDueDate), bold: true },
				x.orderReference || '(removed)',
				when(x.recordedAt)
			])
		);
	}

	// Standing
	flow.heading('Standing');
	const reasons =
		s.reasons.length && (s.standing === 'at_risk' || s.standing === 'overdue')
			? ` Why: ${s.reasons.map((x) => REASONS[x]).join('; ')}.`
			: '';
	const sentence =
		s.standing === 'completed'
			? `Completed ${s.completedAt ? localDay(s.completedAt) : ''} (due ${longDate(r.dueDate)}).`
			: s.standing === 'withdrawn'
				? 'Withdrawn from the program.'
				: `Due ${longDate(r.dueDate)} (${dueIn(s.daysLeft)}).${reasons}`;
	flow.facts([
		['Standing', { text: standingLabels[s.standing], bold: true, color: STANDING_COLORS[s.standing], note: sentence }],
		['Modules completed', `${s.modulesDone} of ${s.modules}`],
		['Module time credited', `${minutes(s.creditedSeatSeconds)} of ${minutes(s.requiredSeatSeconds)} required`],
		['Last activity', s.lastActivityAt ? when(s.lastActivityAt) : 'None']
	]);
	flow.paragraph(
		'Standing as the program computes it: at risk = due within 7 days and not on track (the module time left does not fit at an hour a day, no activity for a week, or a locked quiz); overdue = past the due date without completion.',
		{ size: 8, color: MUTED }
	);

	// Certificate
	flow.heading('Certificate');
	if (!f.certificates.length) flow.paragraph('No certificate has been issued.');
	else {
		flow.table(
			[
				{ header: 'Serial', width: 120, mono: true },
				{ header: 'Status', width: 80 },
				{ header: 'Issued', width: 120 },
				{ header: 'Notes', width: 184 }
			],
			f.certificates.map((c) => [
				c.serial,
				CERTIFICATE_STATUS[c.status],
				when(c.issuedAt),
				c.revokedAt
					? `Revoked ${when(c.revokedAt)}${c.revokeReason ? `: ${c.revokeReason}` : ''}`
					: c.supersededBy
						? `Replaced by ${c.supersededBy}`
						: ''
			])
		);
		flow.paragraph(
			`To verify a certificate: open ${f.verifyUrl} and type its serial and the verification code printed on it (or scan its QR code), or upload the PDF there to check that it is the file issued.`,
			{ size: 8.5 }
		);
	}

	// Completion checklist, with the evidence of the fee, the attestation and the sign-off.
	flow.heading('Completion checklist');
	const met = (ok: boolean): Cell =>
		ok ? { text: 'Met', color: OK, bold: true } : { text: 'Not met', color: BAD, bold: true };
	const evidence = (key: string, detail: string): Cell => {
		if (key === 'fee' && f.fee.required) {
			if (f.fee.status === 'unpaid') return { text: 'Not recorded as paid' };
			return {
				text: f.fee.status === 'paid' ? 'Paid' : 'Waived',
				note: f.fee.recordedAt ? `Recorded ${when(f.fee.recordedAt)}` : undefined
			};
		}
		if (key === 'attestation' && f.attestation) {
			return {
				text: `Signed ${when(f.attestation.at)}`,
				note: `Typed name "${f.attestation.name}": he personally completed all the coursework, under penalty of law.`
			};
		}
		return { text: detail };
	};
	flow.table(
		[
			{ header: 'Requirement', width: 230 },
			{ header: 'Status', width: 60 },
			{ header: 'Evidence', width: 214 }
		],
		[
			...f.requirements.map((q) => [q.label, met(q.met), evidence(q.key, q.detail)]),
			[
				'Facilitator sign-off (issues the certificate)',
				met(!!f.signoff),
				f.signoff ? { text: when(f.signoff.at), note: `By ${f.signoff.by}` } : 'Not signed off'
			]
		]
	);

	// Module time log
	flow.heading('Module time log');
	flow.table(
		[
			{ header: 'Module', width: 166 },
			{ header: 'Time spent', width: 60 },
			{ header: 'Required', width: 60 },
			{ header: 'Started', width: 109 },
			{ header: 'Completed', width: 109 }
		],
		f.modules.map((m) => [
			`${m.position}. ${m.title}`,
			{ text: minutes(m.seatSeconds), color: m.seatSeconds >= m.requiredSeconds ? INK : WARN },
			minutes(m.requiredSeconds),
			m.startedAt ? when(m.startedAt) : { text: 'Not started', color: MUTED },
			m.completedAt ? when(m.completedAt) : { text: '—', color: MUTED }
		])
	);
	flow.paragraph(
		'Time is counted on the server while the module page is open and in use; an idle or hidden page does not count.',
		{ size: 8, color: MUTED }
	);

	// Quiz results
	flow.heading('Quiz results');
	flow.table(
		[
			{ header: 'Module', width: 206 },
			{ header: 'Attempts used', width: 78 },
			{ header: 'Best score', width: 70 },
			{ header: 'Pass mark', width: 62 },
			{ header: 'Result', width: 88 }
		],
		f.modules.map((m) => [
			`${m.position}. ${m.title}`,
			`${m.quiz.attemptsUsed} of ${m.quiz.attemptsAllowed}`,
			m.quiz.bestScore === null ? '—' : `${m.quiz.bestScore}%`,
			`${m.quiz.passMark}%`,
			m.quiz.passed
				? { text: 'Passed', color: OK, bold: true }
				: m.quiz.locked
					? { text: 'Locked', note: 'attempts used up', color: BAD }
					: m.quiz.attemptsUsed
						? { text: 'Not passed yet', color: WARN }
						: { text: 'Not taken', color: MUTED }
		])
	);

	// Reflections
	flow.heading('Reflections');
	flow.table(
		[
			{ header: 'Module', width: 187 },
			{ header: 'Reflection', width: 58 },
			{ header: 'Versions', width: 50 },
			{ header: 'Outcome', width: 100 },
			{ header: 'Graded', width: 109 }
		],
		f.modules.flatMap((m) =>
			m.reflections.map((x) => [
				`${m.position}. ${m.title}`,
				`${x.number} of ${x.of}`,
				String(x.versions),
				REFLECTION_OUTCOMES[x.outcome],
				x.gradedAt ? when(x.gradedAt) : { text: '—', color: MUTED }
			])
		)
	);
	flow.paragraph(
		'Outcomes only: the participant’s written answers and the facilitators’ feedback on them are not part of this packet.',
		{ size: 8, color: MUTED }
	);

	// Live sessions
	flow.heading('Live sessions', 30);
	if (!f.sessions.length) flow.paragraph('No registrations for live sessions.');
	else
		flow.table(
			[
				{ header: 'Session', width: 150 },
				{ header: 'When', width: 182 },
				{ header: 'Attendance', width: 100 },
				{ header: 'Participation', width: 72 }
			],
			f.sessions.map((x) => {
				const kind = sessionKindLabel(x.kind);
				return [
					{ text: x.title, note: kind.toLowerCase() === x.title.toLowerCase() ? undefined : kind },
					formatSessionTime(x.startsAt, x.endsAt, tz),
					SESSION_STATES[x.state],
					x.participation ?? '—'
				];
			})
		);

	// Audit extract
	flow.heading('Record of events', 110);
	flow.paragraph(
		'From the program’s records and audit log, oldest first (module starts and completions are in the time log above). A name is given where a staff member recorded the event; the rest the participant did himself or the system recorded.',
		{ size: 8, color: MUTED }
	);
	flow.table(
		[
			{ header: 'When', width: 112 },
			{ header: 'Event', width: 282 },
			{ header: 'Recorded by', width: 110 }
		],
		f.events.map((e) => [when(e.at), { text: e.title, note: e.detail }, e.by ?? ''])
	);

	// Page furniture, now that the page count is known.
	const range = doc.bufferedPageRange();
	for (let i = 0; i < range.count; i++) {
		doc.switchToPage(range.start + i);
		artifact(doc, () => doc.rect(0, 0, PAGE.W, 8).fill(ACCENT));
		artifact(
			doc,
			() => {
				doc
					.font('sans')
					.fontSize(8)
					.fillColor(MUTED)
					.text(f.provider.toUpperCase(), PAGE.X, 22, { width: CW / 2, lineBreak: false });
				doc.text(f.number ? `COURT EVIDENCE PACKET ${f.number}` : 'COURT EVIDENCE PACKET', PAGE.X + CW / 2, 22, {
					width: CW / 2,
					align: 'right',
					lineBreak: false
				});
				doc
					.font('sansBold')
					.fontSize(12)
					.fillColor(ACCENT)
					.text(f.programName, PAGE.X, 34, { width: CW, lineBreak: false, ellipsis: true });
				doc
					.font('sans')
					.fontSize(8.5)
					.fillColor(MUTED)
					.text(`Referring court: ${f.courtName}`, PAGE.X, 52, { width: CW, lineBreak: false, ellipsis: true });
				doc.text(
					`Generated ${when(f.generatedAt)} ${zoneAbbr} by ${f.generatedBy.name} (${ROLE_LABELS[f.generatedBy.role]})`,
					PAGE.X,
					64,
					{ width: CW, lineBreak: false, ellipsis: true }
				);
				doc
					.moveTo(PAGE.X, 80)
					.lineTo(PAGE.X + CW, 80)
					.lineWidth(0.6)
					.strokeColor(RULE)
					.stroke();
			},
			'Pagination',
			['Top']
		);
		artifact(
			doc,
			() => {
				doc
					.moveTo(PAGE.X, 748)
					.lineTo(PAGE.X + CW, 748)
					.lineWidth(0.6)
					.strokeColor(RULE)
					.stroke();
				doc
					.font('sans')
					.fontSize(8)
					.fillColor(MUTED)
					.text(`${r.legalName} · case ${r.caseNumber}`, PAGE.X, 754, {
						width: CW - 90,
						lineBreak: false,
						ellipsis: true
					});
				doc.text(`Page ${i + 1} of ${range.count}`, PAGE.X + CW - 90, 754, {
					width: 90,
					align: 'right',
					lineBreak: false
				});
			},
			'Pagination',
			['Bottom']
		);
	}
	doc.end();
	return done;
}
