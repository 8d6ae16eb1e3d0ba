import { describe, expect, it } from 'vitest';
import { screenText } from './safety';

describe('the safety screen', () => {
	it('finds a possible minor, self-harm or a threat, each once', () => {
		expect(screenText('She told me she was 16 years old and I still went.')).toEqual(['minor']);
		expect(screenText('Sometimes I think about suicide. I want to end it all.')).toEqual(['self_harm']);
		expect(screenText('If she talks to the police I will make her pay.')).toEqual(['threat']);
		expect(screenText('The girl was underage. I could kill myself over it.')).toEqual(['minor', 'self_harm']);
	});

	it('stays quiet on an ordinary reflection', () => {
		expect(
			screenText(
				'I understand now that buying sex harms the women involved and their families. I will stay away from those sites.'
			)
		).toEqual([]);
		expect(screenText('I am 45 years old and have two adult children.')).toEqual([]);
	});
});
