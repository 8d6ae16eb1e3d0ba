import { randomInt } from 'node:crypto';

// Letters and digits that cannot be mistaken for each other when read off a letter or typed on a phone.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time code such as "K7QM-2ZXD-9HTP" (60 bits; guessing is also rate-limited and needs DOB + case). */
export function newEnrollmentCode(): string {
	const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]);
	return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

export function normaliseEnrollmentCode(input: string): string {
	const raw = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
	return raw.length === 12 ? `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}` : raw;
}

export function normaliseCaseNumber(input: string): string {
	return input.trim().toUpperCase().replace(/\s+/g, '');
}
