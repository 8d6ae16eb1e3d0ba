/**
 * The program CA's X.509 work: its own certificate, the signer certificates it issues and its
 * certificate revocation list (RFC 5280). The structures are PKI.js's (no hand-written DER); the RSA
 * signature over each to-be-signed part is node's crypto, synchronously, so key generation stays a
 * plain function call for the CLI and the tests.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
	commonName: '2.5.4.3',
	organizationName: '2.5.4.10',
	sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
	subjectKeyIdentifier: '2.5.29.14',
	keyUsage: '2.5.29.15',
	basicConstraints: '2.5.29.19',
	cRLNumber: '2.5.29.20',
	reasonCode: '2.5.29.21',
	invalidityDate: '2.5.29.24',
	cRLDistributionPoints: '2.5.29.31',
	authorityKeyIdentifier: '2.5.29.35',
	extKeyUsage: '2.5.29.37',
	authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
	caIssuers: '1.3.6.1.5.5.7.48.2',
	emailProtection: '1.3.6.1.5.5.7.3.4'
} as const;

/** RFC 5280 §5.3.1 reason codes this program uses (the CLI's --reason names). */
export const REVOCATION_REASONS = {
	unspecified: 0,
	'key-compromise': 1,
	'ca-compromise': 2,
	'affiliation-changed': 3,
	superseded: 4,
	'cessation-of-operation': 5
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface CrlEntry {
	serialHex: string;
	/** when the key stopped being trustworthy (the operator's --from): revocationDate and invalidityDate */
	from: Date;
	reason: RevocationReason;
}

export interface ParsedCrl {
	thisUpdate: string;
	nextUpdate: string | null;
	crlNumber: number | null;
	revokedSerials: string[];
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
const time = (d: Date) => new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });

const sha256WithRsa = () =>
	new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRSAEncryption, algorithmParams: new asn1js.Null() });

const ber = (o: { toSchema(): { toBER(): ArrayBuffer } }) => o.toSchema().toBER();

function extension(extnID: string, critical: boolean, value: ArrayBuffer): pkijs.Extension {
	return new pkijs.Extension({ extnID, critical, extnValue: value });
}

/**
 * O=<program>, CN=<program> <role>, one attribute per RDN (PKI.js would put a list of attributes into
 * one multi-valued RDN, "O=… + CN=…"). UTF8String, since program names need not be ASCII.
 */
export function distinguishedName(programName: string, role: string): pkijs.RelativeDistinguishedNames {
	const attributes = [
		new pkijs.AttributeTypeAndValue({
			type: OID.organizationName,
			value: new asn1js.Utf8String({ value: programName })
		}),
		new pkijs.AttributeTypeAndValue({
			type: OID.commonName,
			value: new asn1js.Utf8String({ value: `${programName} ${role}` })
		})
	];
	const name = new asn1js.Sequence({ value: attributes.map((a) => new asn1js.Set({ value: [a.toSchema()] })) });
	return pkijs.RelativeDistinguishedNames.fromBER(name.toBER());
}

export function parseCertificate(der: Buffer): pkijs.Certificate {
	return pkijs.Certificate.fromBER(new Uint8Array(der));
}

export function pemToDer(pem: string): Buffer {
	const b64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
	return Buffer.from(b64, 'base64');
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
	const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
	return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The organizationName of a certificate's subject: the program the CA was made for. */
export function organizationOf(cert: pkijs.Certificate): string | null {
	const o = cert.subject.typesAndValues.find((t) => t.type === OID.organizationName);
	return o ? String(o.value.valueBlock.value) : null;
}

export function commonNameOf(cert: pkijs.Certificate): string | null {
	const cn = cert.subject.typesAndValues.find((t) => t.type === OID.commonName);
	return cn ? String(cn.value.valueBlock.value) : null;
}

export function serialHexOf(cert: pkijs.Certificate): string {
	return Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex');
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
function keyIdentifier(spki: pkijs.PublicKeyInfo): Buffer {
	return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}

function subjectKeyIdOf(cert: pkijs.Certificate): Buffer {
	const ext = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
	if (ext) return Buffer.from((ext.parsedValue as asn1js.OctetString).valueBlock.valueHexView);
	return keyIdentifier(cert.subjectPublicKeyInfo);
}

/** keyUsage is a named BIT STRING: bit 0 is the high bit of the first octet. */
function keyUsage(bits: number[]): ArrayBuffer {
	const bytes = new Uint8Array(2);
	for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
	const used = bytes[1] ? 2 : 1;
	const last = Math.max(...bits);
	const unused = used * 8 - 1 - last;
	return new asn1js.BitString({ valueHex: bytes.slice(0, used).buffer, unusedBits: unused }).toBER();
}

interface CertificateInput {
	serial: Buffer;
	issuer: pkijs.RelativeDistinguishedNames;
	subject: pkijs.RelativeDistinguishedNames;
	notBefore: Date;
	notAfter: Date;
	publicKey: KeyObject;
	extensions: pkijs.Extension[];
	issuerKey: KeyObject;
}

function signedCertificate(p: CertificateInput): Buffer {
	const cert = new pkijs.Certificate();
	cert.version = 2;
	cert.serialNumber = new asn1js.Integer({ valueHex: new Uint8Array(p.serial).buffer });
	cert.issuer = p.issuer;
	cert.subject = p.subject;
	cert.notBefore = time(p.notBefore);
	cert.notAfter = time(p.notAfter);
	cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(
		new Uint8Array(p.publicKey.export({ format: 'der', type: 'spki' }))
	);
	cert.extensions = p.extensions;
	cert.signature = sha256WithRsa();
	cert.signatureAlgorithm = sha256WithRsa();
	cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
	cert.signatureValue = new asn1js.BitString({
		valueHex: new Uint8Array(sign('sha256', cert.tbsView, p.issuerKey)).buffer
	});
	return Buffer.from(cert.toSchema().toBER());
}

/** A self-signed CA certificate that may sign certificates and CRLs, and nothing else. */
export function makeCaCertificate(p: {
	programName: string;
	serial: Buffer;
	notBefore: Date;
	notAfter: Date;
	publicKey: KeyObject;
	privateKey: KeyObject;
}): Buffer {
	const name = distinguishedName(p.programName, 'Certificate Authority');
	const spki = pkijs.PublicKeyInfo.fromBER(new Uint8Array(p.publicKey.export({ format: 'der', type: 'spki' })));
	const ski = keyIdentifier(spki);
	return signedCertificate({
		serial: p.serial,
		issuer: name,
		subject: name,
		notBefore: p.notBefore,
		notAfter: p.notAfter,
		publicKey: p.publicKey,
		issuerKey: p.privateKey,
		extensions: [
			extension(OID.basicConstraints, true, ber(new pkijs.BasicConstraints({ cA: true }))),
			extension(OID.keyUsage, true, keyUsage([5, 6])), // keyCertSign, cRLSign
			extension(
				OID.subjectKeyIdentifier,
				false,
				new asn1js.OctetString({ valueHex: new Uint8Array(ski).buffer }).toBER()
			)
		]
	});
}

/**
 * A document-signing certificate issued by the CA. It names where its revocation list is published
 * (cRLDistributionPoints) and where its issuer's certificate is (authorityInfoAccess caIssuers), so a
 * validator that holds only the trusted CA can fetch what it needs.
 */
export function makeSignerCertificate(p: {
	subject: pkijs.RelativeDistinguishedNames;
	serial: Buffer;
	notBefore: Date;
	notAfter: Date;
	publicKey: KeyObject;
	ca: { der: Buffer; key: KeyObject };
	crlUrl: string | null;
	caCertUrl: string | null;
}): Buffer {
	const caCert = parseCertificate(p.ca.der);
	const spki = pkijs.PublicKeyInfo.fromBER(new Uint8Array(p.publicKey.export({ format: 'der', type: 'spki' })));
	const extensions = [
		extension(OID.basicConstraints, true, ber(new pkijs.BasicConstraints({ cA: false }))),
		extension(OID.keyUsage, true, keyUsage([0, 1])), // digitalSignature, nonRepudiation
		// poppler/NSS validates PDF signers as e-mail signers: emailProtection must be present.
		extension(OID.extKeyUsage, false, ber(new pkijs.ExtKeyUsage({ keyPurposes: [OID.emailProtection] }))),
		extension(
			OID.subjectKeyIdentifier,
			false,
			new asn1js.OctetString({ valueHex: new Uint8Array(keyIdentifier(spki)).buffer }).toBER()
		),
		extension(
			OID.authorityKeyIdentifier,
			false,
			ber(
				new pkijs.AuthorityKeyIdentifier({
					keyIdentifier: new asn1js.OctetString({ valueHex: new Uint8Array(subjectKeyIdOf(caCert)).buffer })
				})
			)
		)
	];
	if (p.crlUrl) {
		const point = new pkijs.DistributionPoint({
			distributionPoint: [new pkijs.GeneralName({ type: 6, value: p.crlUrl })]
		});
		extensions.push(
			extension(OID.cRLDistributionPoints, false, ber(new pkijs.CRLDistributionPoints({ distributionPoints: [point] })))
		);
	}
	if (p.caCertUrl) {
		const access = new pkijs.AccessDescription({
			accessMethod: OID.caIssuers,
			accessLocation: new pkijs.GeneralName({ type: 6, value: p.caCertUrl })
		});
		extensions.push(
			extension(OID.authorityInfoAccess, false, ber(new pkijs.InfoAccess({ accessDescriptions: [access] })))
		);
	}
	return signedCertificate({
		serial: p.serial,
		issuer: caCert.subject,
		subject: p.subject,
		notBefore: p.notBefore,
		notAfter: p.notAfter,
		publicKey: p.publicKey,
		issuerKey: p.ca.key,
		extensions
	});
}

/** The CA's CRL (v2, RFC 5280 §5): every revoked signer with its reason and the date it was compromised. */
export function makeCrl(p: {
	ca: { der: Buffer; key: KeyObject };
	thisUpdate: Date;
	nextUpdate: Date;
	crlNumber: number;
	revoked: CrlEntry[];
}): Buffer {
	const caCert = parseCertificate(p.ca.der);
	const crl = new pkijs.CertificateRevocationList({
		version: 1,
		issuer: caCert.subject,
		thisUpdate: time(p.thisUpdate),
		nextUpdate: time(p.nextUpdate),
		crlExtensions: new pkijs.Extensions({
			extensions: [
				extension(
					OID.authorityKeyIdentifier,
					false,
					ber(
						new pkijs.AuthorityKeyIdentifier({
							keyIdentifier: new asn1js.OctetString({ valueHex: new Uint8Array(subjectKeyIdOf(caCert)).buffer })
						})
					)
				),
				extension(OID.cRLNumber, false, new asn1js.Integer({ value: p.crlNumber }).toBER())
			]
		})
	});
	if (p.revoked.length) {
		crl.revokedCertificates = p.revoked.map(
			(r) =>
				new pkijs.RevokedCertificate({
					userCertificate: new asn1js.Integer({ valueHex: new Uint8Array(Buffer.from(r.serialHex, 'hex')).buffer }),
					// The date the key is to be distrusted from, not the day the CRL was made: validators
					// compare it with a signature's (timestamped) time, so what was signed before stays valid
					// and anything signed with the key afterwards does not.
					revocationDate: time(r.from),
					crlEntryExtensions: new pkijs.Extensions({
						extensions: [
							extension(OID.reasonCode, false, new asn1js.Enumerated({ value: REVOCATION_REASONS[r.reason] }).toBER()),
							extension(OID.invalidityDate, false, new asn1js.GeneralizedTime({ valueDate: r.from }).toBER())
						]
					})
				})
		);
	}
	crl.signature = sha256WithRsa();
	crl.signatureAlgorithm = sha256WithRsa();
	// encodeTBS is protected in PKI.js's types; sign() would do the same through WebCrypto (async).
	crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
	crl.signatureValue = new asn1js.BitString({ valueHex: new Uint8Array(sign('sha256', crl.tbsView, p.ca.key)).buffer });
	return Buffer.from(crl.toSchema().toBER());
}

/**
 * Read a CRL and check it is the CA's: issued under its name and signed with its key. Returns null
 * for anything else (a CRL of another CA, a damaged file).
 */
export function readCrl(der: Buffer, caDer: Buffer): ParsedCrl | null {
	try {
		const crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(der));
		const ca = parseCertificate(caDer);
		if (!crl.issuer.isEqual(ca.subject)) return null;
		if (crl.signatureAlgorithm.algorithmId !== OID.sha256WithRSAEncryption) return null;
		const caKey = createPublicKey({
			key: Buffer.from(ca.subjectPublicKeyInfo.toSchema().toBER()),
			format: 'der',
			type: 'spki'
		});
		if (!verify('sha256', crl.tbsView, caKey, crl.signatureValue.valueBlock.valueHexView)) return null;
		const number = crl.crlExtensions?.extensions.find((e) => e.extnID === OID.cRLNumber);
		return {
			thisUpdate: crl.thisUpdate.value.toISOString(),
			nextUpdate: crl.nextUpdate ? crl.nextUpdate.value.toISOString() : null,
			crlNumber: number ? (number.parsedValue as asn1js.Integer).valueBlock.valueDec : null,
			revokedSerials: (crl.revokedCertificates ?? []).map((r) =>
				Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex')
			)
		};
	} catch {
		return null;
	}
}

/** "AB:CD:…": the SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` prints it. */
export function fingerprintSha256(der: Buffer): string {
	return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}

/** The first URI of a certificate's cRLDistributionPoints, or null when it names none. */
export function crlUrlOf(cert: pkijs.Certificate): string | null {
	const ext = cert.extensions?.find((e) => e.extnID === OID.cRLDistributionPoints);
	const points = (ext?.parsedValue as pkijs.CRLDistributionPoints | undefined)?.distributionPoints ?? [];
	for (const p of points) {
		for (const n of Array.isArray(p.distributionPoint) ? p.distributionPoint : [])
			if (n.type === 6) return String(n.value);
	}
	return null;
}
