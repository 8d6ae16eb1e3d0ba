/**
 * The server's signing keys folder (KEYS_DIR, secret, files 0600): an Ed25519 pair for the certificate
 * facts, a signer certificate with its key in a PKCS#12 file for the PDF signature, the program CA's
 * certificate and its current CRL. Never the CA's private key: that lives in the CA folder
 * (ca-folder.ts), which only the CLI opens. Rotation adds keys, marks the old ones retired and keeps
 * them listed in keys.json, so old certificates still verify.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import forge from 'node-forge';
import {
	CA_CERT,
	CA_CRL,
	CA_KEY,
	caNotAfter,
	caProgramName,
	createCa,
	hasCa,
	issueCrl,
	openCa,
	randomSerial,
	saveCaRecord,
	type CaFolder
} from './ca-folder';
import { writeFileAtomic } from './files';
import {
	keyRecords,
	MANIFEST,
	readManifest,
	writeManifest,
	type KeyManifest,
	type KeyRecord,
	type Lifecycle
} from './key-manifest';
import {
	derToPem,
	distinguishedName,
	fingerprintSha256,
	makeSignerCertificate,
	parseCertificate,
	pemToDer,
	readCrl,
	serialHexOf
} from './x509';

export { readManifest, writeManifest, type KeyManifest, type KeyRecord } from './key-manifest';

export interface LoadedKeys {
	ed25519: {
		keyId: string;
		privateKey: KeyObject;
		publicKeys: Map<string, { keyObject: KeyObject; pem: string }>;
	};
	pdf: { keyId: string; p12: Buffer; passphrase: string; certPem: string; certs: Map<string, string> };
	/** kept for existing callers: the same as ca.certPem */
	caCertPem: string;
	ca: { certPem: string; certDer: Buffer; fingerprintSha256: string };
	/** the CA's current CRL from the keys folder, if it is one the CA signed */
	crl: { der: Buffer; thisUpdate: string; nextUpdate: string } | null;
	records: KeyRecord[];
	programSlug: string | null;
}

export interface GenerateOptions {
	/** the program's name (programs table); a CA that exists already keeps its own */
	programName: string;
	programSlug?: string | null;
	/** the CA folder; by default a folder beside the keys folder, "<keys folder>-ca" */
	caDir?: string;
	/** the stable URL of the CA's CRL, named in the signer certificate; null leaves it out */
	crlUrl?: string | null;
	crlDays?: number;
	now?: Date;
}

export interface GenerateSummary {
	dir: string;
	caDir: string;
	caCreated: boolean;
	ed25519KeyId: string;
	pdfKeyId: string;
	retired: { ed25519: string | null; pdf: string | null };
	signerName: string;
	/** set when the program's current name is not the one the CA (and so every signer) carries */
	nameNote: string | null;
	crlNextUpdate: string;
	files: string[];
}

export class KeysError extends Error {}

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

const sha16 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** Where the CLI keeps the CA when no CA_DIR is given to the library: "keys" → "keys-ca", beside it. */
export function defaultCaDir(keysDir: string): string {
	const abs = resolve(keysDir);
	return join(dirname(abs), `${basename(abs)}-ca`);
}

/** The CA certificate's URL beside the CRL's (…/ca.crl → …/ca.cer), for the signer's authorityInfoAccess. */
function caCertUrlBeside(crlUrl: string | null): string | null {
	return crlUrl && crlUrl.endsWith('/ca.crl') ? `${crlUrl.slice(0, -'ca.crl'.length)}ca.cer` : null;
}

function signerP12(
	signer: { key: KeyObject; certPem: string },
	caPem: string,
	name: string,
	passphrase: string
): Buffer {
	const key = forge.pki.privateKeyFromPem(signer.key.export({ format: 'pem', type: 'pkcs1' }) as string);
	const certs = [forge.pki.certificateFromPem(signer.certPem), forge.pki.certificateFromPem(caPem)];
	const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, passphrase, { algorithm: '3des', friendlyName: name });
	return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

function openOrCreateCa(
	dir: string,
	caDir: string,
	manifest: KeyManifest,
	opts: GenerateOptions,
	now: Date
): { ca: CaFolder; created: boolean } {
	const served = existsSync(join(dir, CA_CERT)) ? pemToDer(readFileSync(join(dir, CA_CERT), 'utf8')) : null;
	if (hasCa(caDir)) {
		const ca = openCa(caDir);
		if (served && !served.equals(ca.certDer))
			throw new KeysError(
				`The keys folder ${dir} holds another CA's certificate than the CA in ${caDir}: give --ca-dir the folder of the CA that made these keys`
			);
		if (opts.programSlug && ca.record.program.slug && ca.record.program.slug !== opts.programSlug) {
			throw new KeysError(
				`The CA in ${caDir} belongs to program "${ca.record.program.slug}", not "${opts.programSlug}"`
			);
		}
		return { ca, created: false };
	}
	if (served || manifest.pdf.length)
		throw new KeysError(
			`${caDir} holds no CA key, but the keys folder ${dir} already has keys under a CA: give --ca-dir (or CA_DIR) the folder the CA is kept in`
		);
	return { ca: createCa(caDir, { slug: opts.programSlug ?? null, name: opts.programName }, now), created: true };
}

/**
 * Create (or rotate) the signing keys in `dir`, with the CA kept in opts.caDir (made there the first
 * time). New Ed25519 and PDF signer keys are always added and become the active ones; the keys they
 * replace are marked retired. The signer is named after the program the CA was made for, so every
 * rotation carries the same name. A fresh CRL is written into both folders.
 */
export function generateKeys(dir: string, opts: GenerateOptions): GenerateSummary {
	const now = opts.now ?? new Date();
	const createdAt = now.toISOString();
	dir = resolve(dir);
	const caDir = resolve(opts.caDir ?? defaultCaDir(dir));
	if (caDir === dir)
		throw new KeysError('The CA folder must not be the keys folder: the server must never hold the CA key');
	if (existsSync(join(dir, CA_KEY)))
		throw new KeysError(
			`The CA private key is still in the keys folder ${dir}: move it out first with \`npm run cli -- keys:move-ca --to <folder>\``
		);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const manifest: KeyManifest = readManifest(dir) ?? { active: { ed25519: '', pdf: '' }, ed25519: [], pdf: [] };
	const { ca, created } = openOrCreateCa(dir, caDir, manifest, opts, now);
	const signerName = caProgramName(ca);
	const crlUrl = opts.crlUrl ?? null;
	const files: string[] = [];

	// Ed25519 for the facts.
	const ed = generateKeyPairSync('ed25519');
	const rawPublic = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
	const edId = sha16(rawPublic);
	const publicKeyPem = ed.publicKey.export({ format: 'pem', type: 'spki' }) as string;
	writeFileAtomic(
		join(dir, `ed25519-${edId}.key.pem`),
		ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
	);
	writeFileAtomic(join(dir, `ed25519-${edId}.pub.pem`), publicKeyPem);
	files.push(`ed25519-${edId}.key.pem`, `ed25519-${edId}.pub.pem`);

	// The PDF signer: RSA-2048, three years, never outliving its CA.
	const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const der = makeSignerCertificate({
		subject: distinguishedName(signerName, 'Certificate Signing'),
		serial: randomSerial(),
		notBefore: new Date(now.getTime() - 60_000),
		notAfter: new Date(Math.min(now.getTime() + 3 * YEAR_MS, caNotAfter(ca).getTime())),
		publicKey: rsa.publicKey,
		ca: { der: ca.certDer, key: ca.key },
		crlUrl,
		caCertUrl: caCertUrlBeside(crlUrl)
	});
	const certPem = derToPem(der);
	const pdfId = sha16(der);
	const passphrase = randomBytes(24).toString('base64url');
	const p12File = `signer-${pdfId}.p12`;
	writeFileAtomic(
		join(dir, p12File),
		signerP12({ key: rsa.privateKey, certPem }, ca.certPem, `${signerName} Certificate Signing`, passphrase)
	);
	writeFileAtomic(join(dir, `signer-${pdfId}.cert.pem`), certPem);
	files.push(p12File, `signer-${pdfId}.cert.pem`);

	const retire = (list: (Lifecycle & { keyId: string })[], id: string): string | null => {
		const e = list.find((k) => k.keyId === id && !k.retiredAt);
		if (e) e.retiredAt = createdAt;
		return e?.keyId ?? null;
	};
	const retired = {
		ed25519: retire(manifest.ed25519, manifest.active.ed25519),
		pdf: retire(manifest.pdf, manifest.active.pdf)
	};
	manifest.ed25519.push({ keyId: edId, createdAt, publicKeyPem });
	manifest.pdf.push({ keyId: pdfId, createdAt, certPem, p12File, passphrase, ed25519KeyId: edId });
	manifest.active = { ed25519: edId, pdf: pdfId };
	manifest.program = ca.record.program;
	manifest.crlUrl = crlUrl;

	ca.record.issued.push({
		keyId: pdfId,
		serial: serialHexOf(parseCertificate(der)),
		issuedAt: createdAt,
		notAfter: parseCertificate(der).notAfter.value.toISOString()
	});
	saveCaRecord(ca);
	if (!existsSync(join(dir, CA_CERT))) {
		writeFileAtomic(join(dir, CA_CERT), ca.certPem);
		files.push(CA_CERT);
	}
	const crl = issueCrl(ca, now, opts.crlDays);
	writeFileAtomic(join(dir, CA_CRL), crl.der);
	files.push(CA_CRL);
	writeManifest(dir, manifest);
	files.push(MANIFEST);

	const nameNote =
		opts.programName !== signerName
			? `The program is now called "${opts.programName}"; its signing certificates keep the CA's name "${signerName}" (a new name needs a new CA, which every court would have to trust again).`
			: null;
	return {
		dir,
		caDir,
		caCreated: created,
		ed25519KeyId: edId,
		pdfKeyId: pdfId,
		retired,
		signerName,
		nameNote,
		crlNextUpdate: crl.nextUpdate,
		files
	};
}

/** The CA's CRL from the keys folder, or null when there is none or it is not this CA's. */
export function readCrlFile(dir: string, caDer: Buffer): LoadedKeys['crl'] {
	const path = join(dir, CA_CRL);
	if (!existsSync(path)) return null;
	const der = readFileSync(path);
	const parsed = readCrl(der, caDer);
	if (!parsed?.nextUpdate) return null;
	return { der, thisUpdate: parsed.thisUpdate, nextUpdate: parsed.nextUpdate };
}

/** Read the keys once (at start); the private keys are parsed here, not per signature. */
export function loadKeys(dir: string): LoadedKeys {
	const hint = `No signing keys in ${dir}: run \`npm run cli -- keys:generate --ca-dir <CA folder>\``;
	const manifest = readManifest(dir);
	if (!manifest || !manifest.active?.ed25519 || !manifest.active?.pdf) throw new Error(hint);

	const edId = manifest.active.ed25519;
	const keyPath = join(dir, `ed25519-${edId}.key.pem`);
	if (!existsSync(keyPath)) throw new Error(`${hint} (missing ${keyPath})`);
	const privateKey = createPrivateKey(readFileSync(keyPath));
	const publicKeys = new Map<string, { keyObject: KeyObject; pem: string }>();
	for (const k of manifest.ed25519) {
		publicKeys.set(k.keyId, { keyObject: createPublicKey(k.publicKeyPem), pem: k.publicKeyPem });
	}

	const active = manifest.pdf.find((k) => k.keyId === manifest.active.pdf);
	if (!active) throw new Error(`${hint} (active PDF key ${manifest.active.pdf} not listed)`);
	if (active.revokedFrom)
		throw new Error(
			`The active PDF signing key ${active.keyId} is revoked: run \`npm run cli -- keys:generate --ca-dir <CA folder>\` to make a new one`
		);
	const p12Path = join(dir, active.p12File);
	if (!existsSync(p12Path)) throw new Error(`${hint} (missing ${p12Path})`);
	const caPath = join(dir, CA_CERT);
	if (!existsSync(caPath)) throw new Error(`${hint} (missing ${caPath})`);
	const caCertPem = readFileSync(caPath, 'utf8');
	const caDer = pemToDer(caCertPem);

	return {
		ed25519: { keyId: edId, privateKey, publicKeys },
		pdf: {
			keyId: active.keyId,
			p12: readFileSync(p12Path),
			passphrase: active.passphrase,
			certPem: active.certPem,
			certs: new Map(manifest.pdf.map((k) => [k.keyId, k.certPem]))
		},
		caCertPem,
		ca: { certPem: caCertPem, certDer: caDer, fingerprintSha256: fingerprintSha256(caDer) },
		crl: readCrlFile(dir, caDer),
		records: keyRecords(manifest),
		programSlug: manifest.program?.slug ?? null
	};
}

/** True while the CA's private key sits in the keys folder (deployments made before keys:move-ca). */
export function caKeyInKeysFolder(dir: string): boolean {
	return existsSync(join(dir, CA_KEY));
}
