import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { sha256 } from '@oslojs/crypto/sha2';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits, URL-safe: for every record id a URL may expose. */
export function newId(): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(16));
}

export function randomToken(bytes = 20): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(bytes));
}

export function sha256Hex(text: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(text)));
}

export function constantTimeEqualHex(a: string, b: string): boolean {
	const ab = Buffer.from(a, 'hex');
	const bb = Buffer.from(b, 'hex');
	return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}
