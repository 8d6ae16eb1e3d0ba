// The court evidence packet as data: an immutable snapshot the service gathers and the renderer draws.
// Times are ISO-8601 instants (shown in `timeZone`); dates are YYYY-MM-DD. Nothing here is the
// participant's own writing or a staff member's words about him: only facts and outcomes.
import type { Requirement } from '../../domain/completion';
import type { RiskReason, Standing } from '../../domain/standing';

export type PacketRole = 'court' | 'facilitator' | 'admin';

export interface PacketModule {
	position: number;
	title: string;
	seatSeconds: number;
	requiredSeconds: number;
	startedAt: string | null;
	completedAt: string | null;
	quiz: {
		attemptsUsed: number;
		attemptsAllowed: number;
		bestScore: number | null;
		passMark: number;
		passed: boolean;
		locked: boolean;
	};
	reflections: PacketReflection[];
}

export interface PacketReflection {
	/** 1-based, within its module. */
	number: number;
	of: number;
	versions: number;
	/** The latest version's state. */
	outcome: 'none' | 'submitted' | 'satisfactory' | 'needs_revision';
	/** When the latest graded version was graded. */
	gradedAt: string | null;
}

export interface PacketSession {
	title: string;
	kind: string;
	startsAt: string;
	endsAt: string;
	state:
		| 'present'
		| 'late'
		| 'left_early'
		| 'absent'
		| 'registered'
		| 'not_recorded'
		| 'registration_cancelled'
		| 'session_cancelled';
	participation: string | null;
}

export interface PacketEvent {
	at: string;
	title: string;
	detail?: string;
	/** The staff member who recorded it; none for what the participant did or the system recorded. */
	by?: string;
}

export interface PacketCertificate {
	serial: string;
	status: 'valid' | 'revoked' | 'superseded';
	issuedAt: string;
	revokedAt: string | null;
	revokeReason: string | null;
	supersededBy: string | null;
}

export interface PacketFacts {
	/** The number the registry gives the packet (e.g. RC-EP-2026-000042), printed on every page and in its keywords. */
	number?: string;
	generatedAt: string;
	generatedBy: { name: string; role: PacketRole };
	timeZone: string;
	programName: string;
	provider: string;
	courtName: string;
	referral: {
		legalName: string;
		dateOfBirth: string;
		caseNumber: string;
		offence: string | null;
		referralDate: string;
		dueDate: string;
		curriculum: string | null;
		activatedAt: string | null;
		extensions: { previousDueDate: string; newDueDate: string; orderReference: string; recordedAt: string }[];
	};
	standing: {
		standing: Standing;
		daysLeft: number;
		reasons: RiskReason[];
		completedAt: string | null;
		lastActivityAt: string | null;
		modulesDone: number;
		modules: number;
		creditedSeatSeconds: number;
		requiredSeatSeconds: number;
	};
	requirements: Requirement[];
	modules: PacketModule[];
	sessions: PacketSession[];
	fee: { required: boolean; status: 'unpaid' | 'paid' | 'waived'; recordedAt: string | null };
	attestation: { name: string; at: string } | null;
	signoff: { at: string; by: string } | null;
	certificates: PacketCertificate[];
	/** The public verification page, e.g. https://johnschool.example.org/verify */
	verifyUrl: string;
	/** Oldest first. */
	events: PacketEvent[];
}
