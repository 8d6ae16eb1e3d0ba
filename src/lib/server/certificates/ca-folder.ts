/**
 * The program CA's own folder (CA_DIR / --ca-dir): its private key, its certificate and its record of
 * what it issued and revoked (ca.json, the CA's "index"), and the CRLs it signed. It is never the
 * server's keys folder: keep it offline (a removable drive, another machine) and bring it out only to
 * make signing keys or a fresh CRL. Everything here is written by the CLI; the server never reads it.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { derToPem, makeCaCertificate, makeCrl, parseCertificate, pemToDer, type RevocationReason } from './x509';
import { writeFileAtomic } from './files';

export const CA_KEY = 'ca.key.pem';
export const CA_CERT = 'ca.cert.pem';
export const CA_CRL = 'ca.crl';
const CA_RECORD = 'ca.json';
const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** How long a CRL is good for unless --days says otherwise; the server warns 7 days before. */
export const CRL_DAYS = 30;

export interface CaRecord {
	program: { slug: string | null; name: string };
	createdAt: string;
	/** the number of the last CRL issued (RFC 5280 §5.2.3: increasing) */
	crlNumber: number;
	issued: { keyId: string; serial: string; issuedAt: string; notAfter: string }[];
	revoked: { keyId: string; serial: string; from: string; reason: RevocationReason; recordedAt: string }[];
}

export interface CaFolder {
	dir: string;
	key: KeyObject;
	certPem: string;
	certDer: Buffer;
	record: CaRecord;
}

export class CaError extends Error {}

/** 16 random bytes, high bit clear so the INTEGER is positive (RFC 5280 §4.1.2.2: at most 20 octets). */
export function randomSerial(): Buffer {
	const b = randomBytes(16);
	b[0] &= 0x7f;
	if (b[0] === 0) b[0] = 1; // keep the DER minimal
	return b;
}

export function hasCa(dir: string): boolean {
	return existsSync(join(dir, CA_KEY));
}

export function openCa(dir: string): CaFolder {
	for (const f of [CA_KEY, CA_CERT, CA_RECORD]) {
		if (!existsSync(join(dir, f)))
			throw new CaError(
				`${dir} is not a CA folder (no ${f}): give --ca-dir (or CA_DIR) the folder the program CA is kept in`
			);
	}
	const certPem = readFileSync(join(dir, CA_CERT), 'utf8');
	return {
		dir,
		key: createPrivateKey(readFileSync(join(dir, CA_KEY))),
		certPem,
		certDer: pemToDer(certPem),
		record: JSON.parse(readFileSync(join(dir, CA_RECORD), 'utf8')) as CaRecord
	};
}

/**
 * A new CA: RSA-3072 (NIST SP 800-57: good beyond 2030) valid 20 years, since the documents it
 * vouches for sit in court files for decades.
 */
export function createCa(dir: string, program: { slug: string | null; name: string }, now: Date): CaFolder {
	if (hasCa(dir)) throw new CaError(`${dir} already holds a CA`);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
	const certDer = makeCaCertificate({
		programName: program.name,
		serial: randomSerial(),
		notBefore: new Date(now.getTime() - 60_000),
		notAfter: new Date(now.getTime() + 20 * YEAR_MS),
		publicKey,
		privateKey
	});
	const ca: CaFolder = {
		dir,
		key: privateKey,
		certPem: derToPem(certDer),
		certDer,
		record: { program, createdAt: now.toISOString(), crlNumber: 0, issued: [], revoked: [] }
	};
	writeFileAtomic(join(dir, CA_KEY), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
	writeFileAtomic(join(dir, CA_CERT), ca.certPem);
	saveCaRecord(ca);
	return ca;
}

/** Take over an existing CA key and certificate (keys:move-ca): the record starts from what the keys folder lists. */
export function adoptCa(dir: string, keyPem: string, certPem: string, record: CaRecord): CaFolder {
	if (hasCa(dir)) throw new CaError(`${dir} already holds a CA key: choose an empty folder`);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	writeFileAtomic(join(dir, CA_KEY), keyPem);
	writeFileAtomic(join(dir, CA_CERT), certPem);
	const ca: CaFolder = { dir, key: createPrivateKey(keyPem), certPem, certDer: pemToDer(certPem), record };
	saveCaRecord(ca);
	return ca;
}

export function saveCaRecord(ca: CaFolder): void {
	writeFileAtomic(join(ca.dir, CA_RECORD), JSON.stringify(ca.record, null, 2) + '\n');
}

export function caProgramName(ca: CaFolder): string {
	return ca.record.program.name;
}

export function caNotAfter(ca: CaFolder): Date {
	return parseCertificate(ca.certDer).notAfter.value;
}

/**
 * Sign a fresh CRL listing every revoked signer, keep it in the CA folder (ca.crl) and return it:
 * the caller copies it into the server's keys folder.
 */
export function issueCrl(
	ca: CaFolder,
	now: Date,
	days = CRL_DAYS
): { der: Buffer; thisUpdate: string; nextUpdate: string; number: number } {
	if (!Number.isInteger(days) || days < 1 || days > 366) throw new CaError('a CRL is issued for 1 to 366 days');
	const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
	const nextUpdate = new Date(thisUpdate.getTime() + days * DAY_MS);
	const number = ca.record.crlNumber + 1;
	const der = makeCrl({
		ca: { der: ca.certDer, key: ca.key },
		thisUpdate,
		nextUpdate,
		crlNumber: number,
		revoked: ca.record.revoked.map((r) => ({ serialHex: r.serial, from: new Date(r.from), reason: r.reason }))
	});
	ca.record.crlNumber = number;
	saveCaRecord(ca);
	writeFileAtomic(join(ca.dir, CA_CRL), der);
	return { der, thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString(), number };
}
