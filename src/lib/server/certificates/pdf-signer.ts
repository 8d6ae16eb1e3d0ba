/**
 * The PDF signature's CMS (RFC 5652 SignedData), as PAdES baseline wants it (ETSI EN 319 142-1 with
 * EN 319 122-1, CAdES): detached, SHA-256, signed attributes content-type, message-digest and
 * signing-certificate-v2 (RFC 5035) and nothing else (no signing-time: the time is the signature
 * dictionary's /M), the signer's chain in `certificates`, the program CA's CRL in `crls`, and the
 * RFC 3161 signature time-stamp as the unsigned attribute id-aa-signatureTimeStampToken over the
 * SignatureValue. The signer info is PKI.js's; the SignedData around it is put together from the DER
 * of its parts (certificates, CRL, token) as they are; the RSA step is node's crypto (~1 ms). The P12 is
 * opened once per thread with node-forge (the key files are PKCS#12 with 3DES, as `keys:generate`
 * writes them), which otherwise took ~15 ms per signature.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';

const OID = {
	data: '1.2.840.113549.1.7.1',
	signedData: '1.2.840.113549.1.7.2',
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
	signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
	sha256: '2.16.840.1.101.3.4.2.1',
	sha256WithRSAEncryption: '1.2.840.113549.1.1.11'
} as const;

export interface UnlockedP12 {
	/** every certificate in the P12, DER (the signer's and the program CA's) */
	certificatesDer: Buffer[];
	signerDer: Buffer;
	key: KeyObject;
}

const unlocked = new Map<string, UnlockedP12>();

export class P12Error extends Error {}

/** The P12's key and certificates, decrypted once per thread and passphrase. */
export function unlockP12(p12: Buffer, passphrase: string): UnlockedP12 {
	const id = createHash('sha256').update(p12).update('\0').update(passphrase).digest('hex');
	const cached = unlocked.get(id);
	if (cached) return cached;
	const parsed = forge.pkcs12.pkcs12FromAsn1(
		forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary'))),
		false,
		passphrase
	);
	const certificates = (parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
		.map((b) => b.cert!)
		.filter(Boolean);
	const privateKey = parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[
		forge.pki.oids.pkcs8ShroudedKeyBag
	]?.[0]?.key as forge.pki.rsa.PrivateKey | undefined;
	if (!privateKey) throw new P12Error('The P12 holds no private key.');
	const signer = certificates.find((c) => {
		const pub = c.publicKey as forge.pki.rsa.PublicKey;
		return privateKey.n.compareTo(pub.n) === 0 && privateKey.e.compareTo(pub.e) === 0;
	});
	if (!signer) throw new P12Error('The P12 holds no certificate for its private key.');
	const der = (c: forge.pki.Certificate) =>
		Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary');
	const entry = {
		certificatesDer: certificates.map(der),
		signerDer: der(signer),
		key: createPrivateKey(forge.pki.privateKeyToPem(privateKey))
	};
	unlocked.set(id, entry);
	return entry;
}

/** Parsed once per DER and thread: the same signer, CA and CRL go into every signature. */
const parsedCache = new Map<string, unknown>();
function parsed<T>(der: Uint8Array, read: (b: ArrayBuffer) => T): T {
	const key = createHash('sha256').update(der).digest('base64');
	let o = parsedCache.get(key) as T | undefined;
	if (!o) {
		if (parsedCache.size > 64) parsedCache.clear();
		o = read(ab(der));
		parsedCache.set(key, o);
	}
	return o;
}
const certificate = (der: Uint8Array) => parsed(der, (b) => pkijs.Certificate.fromBER(b));
const crl = (der: Uint8Array) => parsed(der, (b) => pkijs.CertificateRevocationList.fromBER(b));

const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
const sha256Alg = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });

/**
 * SigningCertificateV2 (RFC 5035 §3): one ESSCertIDv2 for the signer, its hash algorithm left at the
 * DEFAULT (SHA-256) as DER requires, with issuerSerial. PKI.js has no class for it; the parts are its.
 */
function signingCertificateV2(cert: pkijs.Certificate, certDer: Uint8Array): asn1js.Sequence {
	const issuerSerial = new pkijs.IssuerSerial({
		issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: cert.issuer })] }),
		serialNumber: cert.serialNumber
	});
	const essCertIdV2 = new asn1js.Sequence({
		value: [
			new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(certDer).digest()) }),
			issuerSerial.toSchema()
		]
	});
	return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

export interface CmsInput {
	/** the bytes the signature covers (the PDF's /ByteRange) */
	content: Uint8Array;
	signer: UnlockedP12;
	/** certificates to carry in SignedData.certificates (signer first) */
	chainDer: Uint8Array[];
	crlDer: Uint8Array | null;
	/** asked for a time-stamp token over the SignatureValue; null leaves the signature without one */
	timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array | null>;
}

/** The DER of a PAdES baseline CMS over `content`: ContentInfo { SignedData }. */
export async function buildPadesCms(input: CmsInput): Promise<Buffer> {
	const cert = certificate(input.signer.signerDer);
	const attributes = [
		new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
		new pkijs.Attribute({
			type: OID.messageDigest,
			values: [new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(input.content).digest()) })]
		}),
		new pkijs.Attribute({
			type: OID.signingCertificateV2,
			values: [signingCertificateV2(cert, input.signer.signerDer)]
		})
	];
	// A SET OF in DER is sorted by encoding; validators (OpenSSL among them) re-encode the signed
	// attributes before checking the signature, so an unsorted SET would not verify.
	const encoded = (a: pkijs.Attribute) => Buffer.from(a.toSchema().toBER());
	attributes.sort((a, b) => Buffer.compare(encoded(a), encoded(b)));
	const signerInfo = new pkijs.SignerInfo({
		version: 1,
		sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
		digestAlgorithm: sha256Alg(),
		signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
		signatureAlgorithm: new pkijs.AlgorithmIdentifier({
			algorithmId: OID.sha256WithRSAEncryption,
			algorithmParams: new asn1js.Null()
		})
	});
	// RFC 5652 §5.4: the signature is over the signed attributes' DER with the EXPLICIT SET OF tag.
	const toSign = new Uint8Array(signerInfo.signedAttrs!.toSchema().toBER());
	toSign[0] = 0x31;
	const signatureValue = sign('sha256', toSign, input.signer.key);
	signerInfo.signature = new asn1js.OctetString({ valueHex: ab(signatureValue) });

	const token = input.timestamp ? await input.timestamp(signatureValue) : null;
	// The rest is put together from DER that exists already: the signer info as PKI.js writes it, the
	// certificates, the CRL and the time-stamp token as they are (the token exactly as the TSA sent it,
	// checked in tsa.ts). PKI.js re-encoding them all, and reading the token again, took longer than
	// the rest of the signature together; pdf-signer.test.ts checks the bytes are the ones it wrote.
	let signerInfoDer: Uint8Array = new Uint8Array(signerInfo.toSchema().toBER());
	if (token) {
		// SignerInfo's last field: unsignedAttrs [1] IMPLICIT SET OF Attribute { type, SET { token } }
		const timestamp = tlv(0xa1, tlv(0x30, DER.signatureTimeStampToken, tlv(0x31, token)));
		signerInfoDer = tlv(0x30, contents(signerInfoDer), timestamp);
	}
	// Read (once per DER and thread), as PKI.js's SignedData did: they are what they say they are.
	input.chainDer.forEach(certificate);
	if (input.crlDer) crl(input.crlDer);
	const signedData = tlv(
		0x30,
		DER.version1,
		tlv(0x31, DER.sha256Alg),
		tlv(0x30, DER.data), // encapContentInfo: detached, eContentType data
		tlv(0xa0, ...input.chainDer), // certificates [0] IMPLICIT
		...(input.crlDer ? [tlv(0xa1, input.crlDer)] : []), // crls [1] IMPLICIT
		tlv(0x31, signerInfoDer)
	);
	return tlv(0x30, DER.signedData, tlv(0xa0, signedData));
}

/** A DER element: tag, definite length, contents. */
function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
	const length = parts.reduce((n, p) => n + p.byteLength, 0);
	const head = [tag];
	if (length < 0x80) head.push(length);
	else {
		const bytes: number[] = [];
		for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
		head.push(0x80 | bytes.length, ...bytes);
	}
	return Buffer.concat([Buffer.from(head), ...parts]);
}

/** The contents of a DER element (what follows its tag and length). */
function contents(der: Uint8Array): Uint8Array {
	const first = der[1];
	return der.subarray(first < 0x80 ? 2 : 2 + (first & 0x7f));
}

const oidDer = (oid: string) => new Uint8Array(new asn1js.ObjectIdentifier({ value: oid }).toBER());
const DER = {
	version1: new Uint8Array(new asn1js.Integer({ value: 1 }).toBER()),
	sha256Alg: new Uint8Array(sha256Alg().toSchema().toBER()),
	data: oidDer(OID.data),
	signedData: oidDer(OID.signedData),
	signatureTimeStampToken: oidDer(OID.signatureTimeStampToken)
};
