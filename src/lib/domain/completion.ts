// The completion rules of a program, as a pure function of the evidence. The sign-off service asks
// this; nothing the browser sends can change the answer.
import { sessionKindLabel } from './live-sessions';

export interface ModuleEvidence {
	moduleId: string;
	position: number;
	title: string;
	seatSeconds: number;
	requiredSeconds: number;
	quizPassed: boolean;
	bestScore: number | null;
	reflections: { promptId: string; status: 'none' | 'submitted' | 'satisfactory' | 'needs_revision' }[];
}
export interface CompletionEvidence {
	modules: ModuleEvidence[];
	requiredSessionKinds: string[];
	attendedKinds: string[];
	feeRequired: boolean;
	feeStatus: 'unpaid' | 'paid' | 'waived';
	attested: boolean;
}

export type RequirementKey = 'modules' | 'quizzes' | 'reflections' | 'sessions' | 'fee' | 'attestation';
export interface Requirement {
	key: RequirementKey;
	label: string;
	met: boolean;
	detail: string;
}

export function moduleComplete(m: ModuleEvidence): boolean {
	return m.seatSeconds >= m.requiredSeconds && m.quizPassed && m.reflections.every((r) => r.status !== 'none');
}

/** Requirements before the attestation; the attestation itself is the last one. */
export function evaluateCompletion(e: CompletionEvidence): Requirement[] {
	const done = e.modules.filter(moduleComplete).length;
	const passed = e.modules.filter((m) => m.quizPassed).length;
	const reflections = e.modules.flatMap((m) => m.reflections);
	const satisfactory = reflections.filter((r) => r.status === 'satisfactory').length;
	const missingKinds = e.requiredSessionKinds.filter((k) => !e.attendedKinds.includes(k));
	return [
		{
			key: 'modules',
			label: 'Every module completed with its minimum seat time',
			met: e.modules.length > 0 && done === e.modules.length,
			detail: `${done} of ${e.modules.length} modules`
		},
		{
			key: 'quizzes',
			label: 'Every module quiz passed',
			met: e.modules.length > 0 && passed === e.modules.length,
			detail: `${passed} of ${e.modules.length} quizzes`
		},
		{
			key: 'reflections',
			label: 'Every reflection graded satisfactory',
			met: satisfactory === reflections.length,
			detail: `${satisfactory} of ${reflections.length} reflections`
		},
		{
			key: 'sessions',
			label: 'Required live sessions attended',
			met: missingKinds.length === 0,
			detail:
				e.requiredSessionKinds.length === 0
					? 'None required'
					: missingKinds.length
						? `Still needed: ${missingKinds.map(sessionKindLabel).join(', ')}`
						: 'All attended'
		},
		{
			key: 'fee',
			label: 'Program fee paid or waived',
			met: !e.feeRequired || e.feeStatus !== 'unpaid',
			detail: e.feeRequired ? e.feeStatus : 'Not required'
		},
		{
			key: 'attestation',
			label: 'Attestation signed',
			met: e.attested,
			detail: e.attested ? 'Signed' : 'Not yet signed'
		}
	];
}

export function readyForAttestation(reqs: Requirement[]): boolean {
	return reqs.filter((r) => r.key !== 'attestation').every((r) => r.met);
}
export function readyForSignoff(reqs: Requirement[]): boolean {
	return reqs.every((r) => r.met);
}
