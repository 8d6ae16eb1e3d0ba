/**
 * An RFC 3161 time-stamp client: asks the configured time-stamping authority (TSA_URL) for a token
 * over some bytes (the PDF signature's SignatureValue), and accepts the answer only when it is one:
 * granted, its message imprint the SHA-256 of exactly those bytes, our nonce echoed, and its CMS
 * signature verifying against a TSA certificate that is marked for time-stamping (and, with
 * TSA_CA_FILE, chains to that CA). The structures are PKI.js's; the request goes out with fetch. The
 * signature and chain checks are node's crypto: PKI.js's SignedData.verify (WebCrypto, its chain
 * engine) took 40–120 ms per token on this machine, node's takes about one.
 */
import { createHash, randomBytes, verify, webcrypto, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
	sha256: '2.16.840.1.101.3.4.2.1',
	signedData: '1.2.840.113549.1.7.2',
	tstInfo: '1.2.840.113549.1.9.16.1.4',
	extKeyUsage: '2.5.29.37',
	timeStamping: '1.3.6.1.5.5.7.3.8',
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	rsaEncryption: '1.2.840.113549.1.1.1'
} as const;

/** Hash names by OID: the digests RFC 3161 tokens are signed with in practice. */
const HASHES: Record<string, string> = {
	'2.16.840.1.101.3.4.2.1': 'sha256',
	'2.16.840.1.101.3.4.2.2': 'sha384',
	'2.16.840.1.101.3.4.2.3': 'sha512',
	'1.3.14.3.2.26': 'sha1'
};
/** Signature algorithms by OID, with the hash they imply (null: the signer's digestAlgorithm). */
const SIGNATURES: Record<string, string | null> = {
	'1.2.840.113549.1.1.1': null,
	'1.2.840.113549.1.1.11': 'sha256',
	'1.2.840.113549.1.1.12': 'sha384',
	'1.2.840.113549.1.1.13': 'sha512',
	'1.2.840.10045.4.3.2': 'sha256',
	'1.2.840.10045.4.3.3': 'sha384',
	'1.2.840.10045.4.3.4': 'sha512'
};

export interface TsaSettings {
	url: string;
	timeoutMs: number;
	/** DER certificates the TSA's certificate must chain to (TSA_CA_FILE); empty: not checked */
	trustedCaDer: Uint8Array[];
}

export interface Timestamp {
	/** the TimeStampToken (a CMS ContentInfo), DER */
	token: Uint8Array;
	genTime: Date;
	/** every certificate the token carries (the TSA's own, and any chain it sent) */
	certificatesDer: Uint8Array[];
}

export class TimestampError extends Error {}

let engineSet = false;
/** PKI.js verifies through WebCrypto: node's, set once per thread (each worker has its own PKI.js). */
export function usePkijsEngine(): void {
	if (engineSet) return;
	pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));
	engineSet = true;
}

const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

/** The DER of a TimeStampReq for SHA-256(data), asking for the TSA's certificate. */
export function timestampRequest(data: Uint8Array, nonce: Uint8Array): Uint8Array {
	const req = new pkijs.TimeStampReq({
		version: 1,
		messageImprint: new pkijs.MessageImprint({
			hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
			hashedMessage: new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(data).digest()) })
		}),
		nonce: new asn1js.Integer({ valueHex: ab(nonce) }),
		certReq: true
	});
	return new Uint8Array(req.toSchema().toBER());
}

/** A positive 64-bit nonce (high bit clear, so the INTEGER needs no leading zero; never all zero). */
function newNonce(): Uint8Array {
	const n = randomBytes(8);
	n[0] = (n[0] & 0x7f) | 0x01;
	return n;
}

function hasTimeStampingUsage(cert: pkijs.Certificate): boolean {
	const ext = cert.extensions?.find((e) => e.extnID === OID.extKeyUsage);
	// RFC 3161 §2.3: the TSA's certificate has exactly this one purpose, marked critical.
	return (
		!!ext &&
		ext.critical === true &&
		(ext.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes?.length === 1 &&
		(ext.parsedValue as pkijs.ExtKeyUsage).keyPurposes[0] === OID.timeStamping
	);
}

/**
 * Parsed certificates kept per DER, node's and PKI.js's: a TSA sends the same certificates in every
 * token, and reading them again was most of a reply's check (PKI.js's schema walk, the public key).
 */
function perDer<T>(make: (der: Uint8Array) => T): (der: Uint8Array) => T {
	const seen = new Map<string, T>();
	return (der) => {
		const key = createHash('sha256').update(der).digest('base64');
		let v = seen.get(key);
		if (v === undefined) {
			if (seen.size > 64) seen.clear();
			v = make(der);
			seen.set(key, v);
		}
		return v;
	};
}
const x = perDer((der) => new X509Certificate(Buffer.from(der)));
const parsedCertificate = perDer((der) => pkijs.Certificate.fromBER(ab(der)));

/** One ASN.1 element read by asn1js (its whole length, nothing after it); throws if it is not one. */
function element(bytes: Uint8Array): asn1js.AsnType {
	const parsed = asn1js.fromBER(ab(bytes));
	if (parsed.offset !== bytes.byteLength) throw new Error('not one ASN.1 element');
	return parsed.result;
}

/** Where a DER element at `at` keeps its contents; null for BER's indefinite length or a length past the end. */
function derHeader(b: Uint8Array, at: number, end: number): { start: number; end: number } | null {
	if (at + 2 > end || (b[at] & 0x1f) === 0x1f) return null;
	let length = b[at + 1];
	let start = at + 2;
	if (length & 0x80) {
		const n = length & 0x7f;
		if (n === 0 || n > 4 || start + n > end) return null;
		length = 0;
		for (let i = 0; i < n; i++) length = length * 256 + b[start + i];
		start += n;
	}
	return start + length <= end ? { start, end: start + length } : null;
}

/**
 * The elements inside a constructed element (as their bytes): read by their tags and lengths, so
 * that the certificates inside a token are not parsed again on every reply (asn1js parsing the whole
 * reply was half of its check); for anything but plain DER, by asn1js.
 */
function inner(bytes: Uint8Array): Uint8Array[] {
	const outer = bytes[0] & 0x20 ? derHeader(bytes, 0, bytes.byteLength) : null;
	if (outer && outer.end === bytes.byteLength) {
		const out: Uint8Array[] = [];
		let at = outer.start;
		while (at < outer.end) {
			const e = derHeader(bytes, at, outer.end);
			if (!e) break;
			out.push(bytes.subarray(at, e.end));
			at = e.end;
		}
		if (at === outer.end) return out;
	}
	const node = element(bytes);
	if (!(node instanceof asn1js.Constructed)) throw new Error('not a constructed ASN.1 element');
	return node.valueBlock.value.map((c) => new Uint8Array(c.valueBeforeDecodeView));
}

interface TokenParts {
	encapContentInfo: pkijs.EncapsulatedContentInfo;
	certificates: { cert: pkijs.Certificate; der: Uint8Array }[];
	signerInfos: pkijs.SignerInfo[];
}

const SEQUENCE = 0x30;
const CONTEXT_0 = 0xa0; // [0], constructed

/**
 * The token's SignedData (RFC 5652 §5.1: version, digestAlgorithms, encapContentInfo, [0]
 * certificates, [1] crls, signerInfos), each part read by its PKI.js class. pkijs.SignedData reads the
 * same in ~16 ms per token (its schema tries every CertificateChoices alternative); this in ~4.
 */
function tokenParts(content: Uint8Array): TokenParts {
	const fields = inner(content);
	const certificates = fields.find((f) => f[0] === CONTEXT_0);
	return {
		encapContentInfo: new pkijs.EncapsulatedContentInfo({ schema: element(fields[2]) }),
		// CertificateChoices: a plain Certificate is a SEQUENCE (the others are tagged [0] to [3])
		certificates: (certificates ? inner(certificates) : [])
			.filter((c) => c[0] === SEQUENCE)
			.map((c) => {
				const der = c.slice();
				return { cert: parsedCertificate(der), der };
			}),
		signerInfos: inner(fields[fields.length - 1]).map((si) => new pkijs.SignerInfo({ schema: element(si) }))
	};
}

/** The token's CMS signature: signed attributes (content type, digest of the TSTInfo) and signature. */
function signatureProblem(signed: TokenParts, si: pkijs.SignerInfo, certDer: Uint8Array): string | null {
	const hash = HASHES[si.digestAlgorithm.algorithmId];
	if (!hash) return `unsupported digest ${si.digestAlgorithm.algorithmId}`;
	if (!(si.signatureAlgorithm.algorithmId in SIGNATURES))
		return `unsupported signature algorithm ${si.signatureAlgorithm.algorithmId}`;
	const attrs = si.signedAttrs?.attributes;
	if (!attrs) return 'no signed attributes';
	const type = attrs.find((a) => a.type === OID.contentType)?.values[0] as asn1js.ObjectIdentifier | undefined;
	if (type?.valueBlock.toString() !== OID.tstInfo) return 'its content-type attribute is not TSTInfo';
	const digest = attrs.find((a) => a.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
	const eContent = new Uint8Array(signed.encapContentInfo.eContent!.getValue());
	if (!digest || !Buffer.from(digest.valueBlock.valueHexView).equals(createHash(hash).update(eContent).digest()))
		return 'its message-digest attribute is not the digest of the TSTInfo';
	const toVerify = Buffer.from(si.signedAttrs!.encodedValue);
	toVerify[0] = 0x31; // RFC 5652 §5.4: verified as an explicit SET OF
	const key = x(certDer).publicKey;
	const ok = verify(
		SIGNATURES[si.signatureAlgorithm.algorithmId] ?? hash,
		toVerify,
		key,
		Buffer.from(si.signature.valueBlock.valueHexView)
	);
	return ok ? null : 'its signature is not the TSA certificate’s';
}

/**
 * The TSA certificate valid at genTime and, with TSA_CA_FILE, issued (through the token's own
 * certificates, if any) by one of its certificates.
 */
function chainProblem(leaf: Uint8Array, carried: Uint8Array[], trustedCaDer: Uint8Array[], at: Date): string | null {
	const inTime = (c: X509Certificate) => new Date(c.validFrom) <= at && at <= new Date(c.validTo);
	let cert = x(leaf);
	if (!inTime(cert)) return `the TSA certificate is not valid at the time it gives (${at.toISOString()})`;
	if (!trustedCaDer.length) return null;
	const trusted = trustedCaDer.map((d) => x(d));
	const intermediates = carried.map((d) => x(d));
	for (let depth = 0; depth < 8; depth++) {
		const anchor = trusted.find((t) => cert.checkIssued(t) && cert.verify(t.publicKey));
		if (anchor) return inTime(anchor) ? null : 'the TSA_CA_FILE certificate is not valid at the time-stamp’s time';
		const next = intermediates.find(
			(i) => i.fingerprint256 !== cert.fingerprint256 && cert.checkIssued(i) && cert.verify(i.publicKey) && i.ca
		);
		if (!next) break;
		cert = next;
	}
	return 'the TSA certificate does not chain to TSA_CA_FILE';
}

/** Checks a TimeStampResp (DER) against the request it answers; returns the token or says what is wrong. */
export async function checkTimestampReply(
	reply: Uint8Array,
	data: Uint8Array,
	nonce: Uint8Array,
	trustedCaDer: Uint8Array[]
): Promise<Timestamp> {
	usePkijsEngine();
	// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }, read
	// field by field: pkijs.TimeStampResp would walk the whole token's schema once more.
	let status: pkijs.PKIStatusInfo;
	let tokenDer: Uint8Array | undefined;
	try {
		if (reply[0] !== SEQUENCE) throw new Error();
		const fields = inner(reply);
		status = new pkijs.PKIStatusInfo({ schema: element(fields[0]) });
		tokenDer = fields[1];
	} catch {
		throw new TimestampError('the answer is not an RFC 3161 time-stamp response');
	}
	if (status.status !== 0 && status.status !== 1) {
		const text = status.statusStrings?.map((s) => String(s.valueBlock.value)).join('; ');
		throw new TimestampError(`the TSA refused the request (PKIStatus ${status.status}${text ? `: ${text}` : ''})`);
	}
	// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
	let content: Uint8Array | undefined;
	try {
		if (tokenDer?.[0] !== SEQUENCE) throw new Error();
		const [contentType, explicit] = inner(tokenDer);
		const type = element(contentType);
		if (!(type instanceof asn1js.ObjectIdentifier) || type.valueBlock.toString() !== OID.signedData) throw new Error();
		if (explicit?.[0] !== CONTEXT_0) throw new Error();
		content = inner(explicit)[0];
		if (content?.[0] !== SEQUENCE) throw new Error();
	} catch {
		throw new TimestampError('the answer carries no time-stamp token');
	}
	let signed: TokenParts;
	let tst: pkijs.TSTInfo;
	try {
		signed = tokenParts(content);
		if (signed.encapContentInfo.eContentType !== OID.tstInfo || !signed.encapContentInfo.eContent) throw new Error();
		tst = pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue());
	} catch {
		throw new TimestampError('the time-stamp token is not a signed TSTInfo');
	}
	const imprint = tst.messageImprint;
	const wanted = createHash('sha256').update(data).digest();
	if (
		imprint.hashAlgorithm.algorithmId !== OID.sha256 ||
		!Buffer.from(imprint.hashedMessage.valueBlock.valueHexView).equals(wanted)
	) {
		throw new TimestampError('the time-stamp is over other data than the signature (message imprint differs)');
	}
	if (!tst.nonce || !Buffer.from(tst.nonce.valueBlock.valueHexView).equals(Buffer.from(nonce))) {
		throw new TimestampError('the time-stamp does not carry our nonce (a replayed or foreign answer)');
	}
	const certs = signed.certificates.map((c) => c.cert);
	const sid = signed.signerInfos[0]?.sid;
	const tsaCert =
		sid instanceof pkijs.IssuerAndSerialNumber
			? certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber))
			: undefined;
	if (!tsaCert) throw new TimestampError('the time-stamp token does not carry the TSA certificate (certReq was asked)');
	if (!hasTimeStampingUsage(tsaCert))
		throw new TimestampError(
			'the certificate that signed the time-stamp is not a time-stamping certificate (extendedKeyUsage timeStamping, critical)'
		);
	const signerInfo = signed.signerInfos[0];
	const leafDer = signed.certificates.find((c) => c.cert === tsaCert)!.der;
	const problem =
		signatureProblem(signed, signerInfo, leafDer) ??
		chainProblem(
			leafDer,
			signed.certificates.map((c) => c.der),
			trustedCaDer,
			tst.genTime
		);
	if (problem) throw new TimestampError(`the time-stamp token does not verify: ${problem}`);
	return {
		token: tokenDer.slice(),
		genTime: tst.genTime,
		certificatesDer: signed.certificates.map((c) => c.der)
	};
}

/** One request to the TSA, checked; throws TimestampError with what went wrong. */
export async function fetchTimestamp(settings: TsaSettings, data: Uint8Array): Promise<Timestamp> {
	const nonce = newNonce();
	let res: Response;
	try {
		res = await fetch(settings.url, {
			method: 'POST',
			headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
			body: Buffer.from(timestampRequest(data, nonce)),
			signal: AbortSignal.timeout(settings.timeoutMs)
		});
	} catch (e) {
		const name = (e as Error).name;
		throw new TimestampError(
			name === 'TimeoutError'
				? `no answer within ${settings.timeoutMs} ms`
				: `cannot reach it (${(e as Error).message})`
		);
	}
	if (!res.ok) throw new TimestampError(`it answered HTTP ${res.status}`);
	const reply = new Uint8Array(await res.arrayBuffer());
	return checkTimestampReply(reply, data, nonce, settings.trustedCaDer);
}

/** Retry once: a single dropped connection should not cost a certificate its independent time. */
export async function timestampWithRetry(settings: TsaSettings, data: Uint8Array): Promise<Timestamp> {
	try {
		return await fetchTimestamp(settings, data);
	} catch (first) {
		try {
			return await fetchTimestamp(settings, data);
		} catch (second) {
			const a = (first as Error).message;
			const b = (second as Error).message;
			throw new TimestampError(a === b ? `${a} (twice)` : `${a}; then ${b}`);
		}
	}
}
