import { describe, expect, it } from 'vitest';
import {
	evaluateCompletion,
	moduleComplete,
	readyForAttestation,
	readyForSignoff,
	type CompletionEvidence,
	type ModuleEvidence
} from './completion';

const done: ModuleEvidence = {
	moduleId: 'm1',
	position: 1,
	title: 'One',
	seatSeconds: 600,
	requiredSeconds: 600,
	quizPassed: true,
	bestScore: 90,
	reflections: [{ promptId: 'p', status: 'satisfactory' }]
};
const evidence = (over: Partial<CompletionEvidence> = {}): CompletionEvidence => ({
	modules: [done, { ...done, moduleId: 'm2', position: 2 }],
	requiredSessionKinds: [],
	attendedKinds: [],
	feeRequired: true,
	feeStatus: 'paid',
	attested: true,
	...over
});

describe('completion rules', () => {
	it('refuses a module short of its seat time, without a passed quiz, or without a reflection', () => {
		expect(moduleComplete({ ...done, seatSeconds: 599 })).toBe(false);
		expect(moduleComplete({ ...done, quizPassed: false })).toBe(false);
		expect(moduleComplete({ ...done, reflections: [{ promptId: 'p', status: 'none' }] })).toBe(false);
		expect(moduleComplete({ ...done, reflections: [{ promptId: 'p', status: 'submitted' }] })).toBe(true);
	});

	it('is not ready while a reflection awaits grading or needs revision', () => {
		const pending = evidence({ modules: [{ ...done, reflections: [{ promptId: 'p', status: 'needs_revision' }] }] });
		expect(readyForSignoff(evaluateCompletion(pending))).toBe(false);
	});

	it('requires the fee to be paid or waived when the program requires it', () => {
		expect(readyForSignoff(evaluateCompletion(evidence({ feeStatus: 'unpaid' })))).toBe(false);
		expect(readyForSignoff(evaluateCompletion(evidence({ feeStatus: 'waived' })))).toBe(true);
		expect(readyForSignoff(evaluateCompletion(evidence({ feeStatus: 'unpaid', feeRequired: false })))).toBe(true);
	});

	it('requires each required session kind to have been attended', () => {
		expect(readyForSignoff(evaluateCompletion(evidence({ requiredSessionKinds: ['survivor panel'] })))).toBe(false);
		expect(
			readyForSignoff(
				evaluateCompletion(evidence({ requiredSessionKinds: ['survivor panel'], attendedKinds: ['survivor panel'] }))
			)
		).toBe(true);
	});

	it('allows the attestation before it is signed, and sign-off only after', () => {
		const reqs = evaluateCompletion(evidence({ attested: false }));
		expect(readyForAttestation(reqs)).toBe(true);
		expect(readyForSignoff(reqs)).toBe(false);
	});

	it('never counts an empty curriculum as complete', () => {
		expect(readyForSignoff(evaluateCompletion(evidence({ modules: [] })))).toBe(false);
	});
});
