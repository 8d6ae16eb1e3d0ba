// Secrets the server must read back (TOTP keys) are sealed with AES-256-GCM before they reach the
// database, so a copy of the database or a backup alone cannot mint anyone's second-factor codes.
// The key is a file in the keys folder (KEYS_DIR/data-secret.key, made on first use, mode 0600);
// every app server of one deployment shares the keys folder, and with it this key. Each sealed
// value is bound to its purpose and row (the "context", e.g. "totp:<user id>"), so a value copied
// to another user's row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../config';

const PREFIX = 'v1:';
const cache = new Map<string, Buffer>();

function dataKey(dir = config.keysDir): Buffer {
	const cached = cache.get(dir);
	if (cached) return cached;
	const file = join(dir, 'data-secret.key');
	if (!existsSync(file)) {
		mkdirSync(dir, { recursive: true });
		try {
			// 'wx': two processes starting at once must not each write their own key.
			writeFileSync(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		}
	}
	chmodSync(file, 0o600);
	const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
	if (key.length !== 32)
		throw new Error(`${file} does not hold a 32-byte key (base64); restore it from the keys backup`);
	cache.set(dir, key);
	return key;
}

export function seal(plaintext: string, context: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', dataKey(), iv);
	cipher.setAAD(Buffer.from(context, 'utf8'));
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function isSealed(value: string): boolean {
	return value.startsWith(PREFIX);
}

/** The plaintext, or null when the value was altered, sealed for another context, or with another key. */
export function open(value: string, context: string): string | null {
	if (!isSealed(value)) return null;
	const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
	if (raw.length < 28) return null;
	try {
		const decipher = createDecipheriv('aes-256-gcm', dataKey(), raw.subarray(0, 12));
		decipher.setAAD(Buffer.from(context, 'utf8'));
		decipher.setAuthTag(raw.subarray(12, 28));
		return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
	} catch {
		return null;
	}
}
