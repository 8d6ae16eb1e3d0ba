import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits, URL-safe: for every record id a URL may expose. */
export function newId(): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(16));
}

export function randomToken(bytes = 20): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(bytes));
}

/** SHA-256 in lower-case hex, of UTF-8 text or of bytes (node's crypto: a PDF is hashed in ~5 ms for 5 MB). */
export function sha256Hex(data: string | Uint8Array): string {
	return createHash('sha256').update(data).digest('hex');
}

export function constantTimeEqualHex(a: string, b: string): boolean {
	const ab = Buffer.from(a, 'hex');
	const bb = Buffer.from(b, 'hex');
	return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}
