import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1); @node-rs/argon2 runs it on the libuv
// thread pool, so a login does not block other requests.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS); // the default algorithm is argon2id
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

let dummyHash: Promise<string> | null = null;
/** Spend the same time on an unknown account as on a known one, so timing does not reveal accounts. */
export async function verifyAgainstDummy(password: string): Promise<false> {
	dummyHash ??= hashPassword('a dummy password nobody has');
	await verifyPassword(await dummyHash, password);
	return false;
}
