/**
 * Signing keys on disk: an Ed25519 pair for the certificate facts, and a small program CA plus a
 * signer certificate (in a PKCS#12 file) for the PDF signature. The folder is secret (files 0600).
 * Rotation adds keys and keeps the old ones listed in keys.json, so old certificates still verify.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface KeyManifest {
	active: { ed25519: string; pdf: string };
	ed25519: { keyId: string; createdAt: string; publicKeyPem: string }[];
	pdf: { keyId: string; createdAt: string; certPem: string; p12File: string; passphrase: string }[];
}

export interface LoadedKeys {
	ed25519: {
		keyId: string;
		privateKey: KeyObject;
		publicKeys: Map<string, { keyObject: KeyObject; pem: string }>;
	};
	pdf: { keyId: string; p12: Buffer; passphrase: string; certPem: string; certs: Map<string, string> };
	caCertPem: string;
}

export interface GenerateSummary {
	dir: string;
	caCreated: boolean;
	ed25519KeyId: string;
	pdfKeyId: string;
	files: string[];
}

const MANIFEST = 'keys.json';
const CA_CERT = 'ca.cert.pem';
const CA_KEY = 'ca.key.pem';
const YEAR_MS = 365.25 * 24 * 3600 * 1000;

const sha16 = (bytes: Buffer | string) =>
	createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function writeSecret(path: string, data: string | Buffer): void {
	writeFileSync(path, data, { mode: 0o600 });
}

function readManifest(dir: string): KeyManifest | null {
	const path = join(dir, MANIFEST);
	if (!existsSync(path)) return null;
	return JSON.parse(readFileSync(path, 'utf8')) as KeyManifest;
}

/** An RSA-2048 key made by node (fast), handed to forge for certificate work. */
function rsaKeyPair(): forge.pki.rsa.KeyPair {
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
	const priv = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
	return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e) };
}

function certSerial(): string {
	const b = randomBytes(16);
	b[0] &= 0x7f; // positive INTEGER
	return b.toString('hex');
}

function makeCa(programName: string, now: Date) {
	const keys = rsaKeyPair();
	const cert = forge.pki.createCertificate();
	cert.publicKey = keys.publicKey;
	cert.serialNumber = certSerial();
	cert.validity.notBefore = new Date(now.getTime() - 60_000);
	cert.validity.notAfter = new Date(now.getTime() + 10 * YEAR_MS);
	const subject = [
		{ name: 'commonName', value: `${programName} Certificate Authority` },
		{ name: 'organizationName', value: programName }
	];
	cert.setSubject(subject);
	cert.setIssuer(subject);
	cert.setExtensions([
		{ name: 'basicConstraints', cA: true, critical: true },
		{ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
		{ name: 'subjectKeyIdentifier' }
	]);
	cert.sign(keys.privateKey, forge.md.sha256.create());
	return { cert, key: keys.privateKey };
}

function makeSigner(
	programName: string,
	ca: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey },
	now: Date
) {
	const keys = rsaKeyPair();
	const cert = forge.pki.createCertificate();
	cert.publicKey = keys.publicKey;
	cert.serialNumber = certSerial();
	cert.validity.notBefore = new Date(now.getTime() - 60_000);
	// Never outlive the CA that issued it.
	const end = Math.min(now.getTime() + 3 * YEAR_MS, ca.cert.validity.notAfter.getTime());
	cert.validity.notAfter = new Date(end);
	cert.setSubject([
		{ name: 'commonName', value: `${programName} Certificate Signing` },
		{ name: 'organizationName', value: programName }
	]);
	cert.setIssuer(ca.cert.subject.attributes);
	cert.setExtensions([
		{ name: 'basicConstraints', cA: false, critical: true },
		{ name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
		// poppler/NSS validates PDF signers as e-mail signers: emailProtection must be present.
		{ name: 'extKeyUsage', emailProtection: true },
		{ name: 'subjectKeyIdentifier' },
		{ name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() }
	]);
	cert.sign(ca.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
	return { cert, key: keys.privateKey };
}

/**
 * Create (or rotate) the signing keys in `dir`. A CA already in `dir` is reused; new Ed25519 and PDF
 * signer keys are always added and become the active ones.
 */
export function generateKeys(
	dir: string,
	opts: { programName: string; now?: Date }
): GenerateSummary {
	const now = opts.now ?? new Date();
	const createdAt = now.toISOString();
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const files: string[] = [];
	const manifest: KeyManifest = readManifest(dir) ?? {
		active: { ed25519: '', pdf: '' },
		ed25519: [],
		pdf: []
	};

	// Ed25519 for the facts.
	const ed = generateKeyPairSync('ed25519');
	const rawPublic = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
	const edId = sha16(rawPublic);
	const publicKeyPem = ed.publicKey.export({ format: 'pem', type: 'spki' }) as string;
	writeSecret(join(dir, `ed25519-${edId}.key.pem`), ed.privateKey.export({ format: 'pem', type: 'pkcs8' }));
	writeSecret(join(dir, `ed25519-${edId}.pub.pem`), publicKeyPem);
	files.push(`ed25519-${edId}.key.pem`, `ed25519-${edId}.pub.pem`);

	// The CA: reuse, or create once.
	let ca: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey };
	const caCreated = !existsSync(join(dir, CA_CERT));
	if (caCreated) {
		ca = makeCa(opts.programName, now);
		writeSecret(join(dir, CA_KEY), forge.pki.privateKeyToPem(ca.key));
		writeSecret(join(dir, CA_CERT), forge.pki.certificateToPem(ca.cert));
		files.push(CA_KEY, CA_CERT);
	} else {
		ca = {
			cert: forge.pki.certificateFromPem(readFileSync(join(dir, CA_CERT), 'utf8')),
			key: forge.pki.privateKeyFromPem(readFileSync(join(dir, CA_KEY), 'utf8'))
		};
	}

	// The PDF signer certificate, issued by the CA, packed with its key and the CA into a P12.
	const signer = makeSigner(opts.programName, ca, now);
	const certPem = forge.pki.certificateToPem(signer.cert);
	const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(signer.cert)).getBytes(), 'binary');
	const pdfId = sha16(der);
	const passphrase = randomBytes(24).toString('base64url');
	const p12Asn1 = forge.pkcs12.toPkcs12Asn1(signer.key, [signer.cert, ca.cert], passphrase, {
		algorithm: '3des',
		friendlyName: `${opts.programName} Certificate Signing`
	});
	const p12File = `signer-${pdfId}.p12`;
	writeSecret(join(dir, p12File), Buffer.from(forge.asn1.toDer(p12Asn1).getBytes(), 'binary'));
	writeSecret(join(dir, `signer-${pdfId}.cert.pem`), certPem);
	files.push(p12File, `signer-${pdfId}.cert.pem`);

	manifest.ed25519.push({ keyId: edId, createdAt, publicKeyPem });
	manifest.pdf.push({ keyId: pdfId, createdAt, certPem, p12File, passphrase });
	manifest.active = { ed25519: edId, pdf: pdfId };
	const tmp = join(dir, `${MANIFEST}.tmp`);
	writeSecret(tmp, JSON.stringify(manifest, null, 2) + '\n');
	renameSync(tmp, join(dir, MANIFEST));
	files.push(MANIFEST);

	return { dir, caCreated, ed25519KeyId: edId, pdfKeyId: pdfId, files };
}

/** Read the keys once (at start); the private keys are parsed here, not per signature. */
export function loadKeys(dir: string): LoadedKeys {
	const hint = `No signing keys in ${dir}: run \`npm run cli -- keys:generate\``;
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
	const p12Path = join(dir, active.p12File);
	if (!existsSync(p12Path)) throw new Error(`${hint} (missing ${p12Path})`);
	const caPath = join(dir, CA_CERT);
	if (!existsSync(caPath)) throw new Error(`${hint} (missing ${caPath})`);

	return {
		ed25519: { keyId: edId, privateKey, publicKeys },
		pdf: {
			keyId: active.keyId,
			p12: readFileSync(p12Path),
			passphrase: active.passphrase,
			certPem: active.certPem,
			certs: new Map(manifest.pdf.map((k) => [k.keyId, k.certPem]))
		},
		caCertPem: readFileSync(caPath, 'utf8')
	};
}
