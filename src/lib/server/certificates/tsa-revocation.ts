/**
 * Revocation data for the time-stamping authority's certificates, for the DSS (PAdES B-LT, ETSI EN
 * 319 142-1: validation data for every certificate in the path, the signature time-stamp's
 * included). For each TSA certificate but a self-signed root: its CRL distribution points (RFC 5280
 * §4.2.1.13), fetched over http(s) with a short timeout and a size cap, and the CRL kept only when its
 * issuer signed it and it is current (thisUpdate ≤ now < nextUpdate). Kept per URL until nextUpdate
 * in this thread, as sign.ts keeps the TSA's certificates per TSA URL: every certificate of a day is
 * time-stamped by the same TSA, and a CRL is valid for days. A failure never stops issuing (the file
 * is then B-T for the time-stamp); it is said once, and returned for the caller to report.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
	keyUsage: '2.5.29.15',
	cRLDistributionPoints: '2.5.29.31'
} as const;

/** CRL signature algorithms by OID, with the hash node's verify takes (null: the key's own, Ed25519). */
const CRL_SIGNATURES: Record<string, string | null> = {
	'1.2.840.113549.1.1.11': 'sha256',
	'1.2.840.113549.1.1.12': 'sha384',
	'1.2.840.113549.1.1.13': 'sha512',
	'1.2.840.10045.4.3.2': 'sha256',
	'1.2.840.10045.4.3.3': 'sha384',
	'1.2.840.10045.4.3.4': 'sha512',
	'1.3.101.112': null
};

/** A TSA's CRL is a few KB; a CA's full CRL can run to megabytes, more than a DSS should carry. */
export const CRL_MAX_BYTES = 2 * 1024 * 1024;
/** At most this long per CRL: the TSA's own timeout, capped, so a slow CRL server costs little. */
export const CRL_MAX_TIMEOUT_MS = 5_000;
/** After a failed fetch, the URL is not asked again for this long (its problem is reported meanwhile). */
export const CRL_RETRY_MS = 60_000;

export class CrlError extends Error {}

export interface CheckedCrl {
	der: Uint8Array;
	crl: pkijs.CertificateRevocationList;
	nextUpdate: Date;
}

export interface TsaRevocation {
	/** the CRLs for the DSS, DER, one per TSA certificate that has one */
	crlsDer: Uint8Array[];
	/** why a TSA certificate has no current CRL in the DSS, or is revoked on it; null: none */
	problem: string | null;
}

const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

function subjectOf(cert: X509Certificate): string {
	return cert.subject.split('\n').join(', ');
}

/** The http(s) URLs of the certificate's CRL distribution points, in their order. */
export function crlUrls(cert: pkijs.Certificate): string[] {
	const ext = cert.extensions?.find((e) => e.extnID === OID.cRLDistributionPoints);
	const points = (ext?.parsedValue as pkijs.CRLDistributionPoints | undefined)?.distributionPoints ?? [];
	const urls: string[] = [];
	for (const p of points) {
		// A point with a cRLIssuer names an indirect CRL, signed by someone other than the issuer; one
		// with reasons, a partition of it. Neither is the issuer's complete CRL that is checked here.
		if (p.cRLIssuer || p.reasons) continue;
		for (const n of Array.isArray(p.distributionPoint) ? p.distributionPoint : [])
			if (n.type === 6 && /^https?:\/\//i.test(String(n.value))) urls.push(String(n.value));
	}
	return urls;
}

/** RFC 5280 §4.2.1.3: a CA key whose keyUsage is present signs CRLs only with cRLSign (bit 6). */
function mayIssueCrls(issuer: pkijs.Certificate): boolean {
	const ext = issuer.extensions?.find((e) => e.extnID === OID.keyUsage);
	if (!ext) return true;
	const bits = (ext.parsedValue as asn1js.BitString | undefined)?.valueBlock.valueHexView;
	return !!bits && bits.length > 0 && (bits[0] & 0x02) !== 0;
}

/**
 * The CRL (DER, or PEM as some servers send it) if it is the issuer's and current at `now`; throws
 * CrlError saying why not.
 */
export function checkCrl(bytes: Uint8Array, issuerDer: Uint8Array, now: Date): CheckedCrl {
	let der = bytes;
	const text = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
	if (text.includes('-----BEGIN X509 CRL-----')) {
		const b64 = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(Buffer.from(bytes).toString('latin1'));
		der = b64 ? Buffer.from(b64[1].replace(/\s+/g, ''), 'base64') : new Uint8Array();
	}
	let crl: pkijs.CertificateRevocationList;
	try {
		crl = pkijs.CertificateRevocationList.fromBER(ab(der));
	} catch {
		throw new CrlError('it is not a CRL');
	}
	const issuer = pkijs.Certificate.fromBER(ab(issuerDer));
	if (!crl.issuer.isEqual(issuer.subject)) throw new CrlError('it is the CRL of another issuer');
	if (!mayIssueCrls(issuer)) throw new CrlError('its issuer’s key is not for signing CRLs (keyUsage)');
	const alg = crl.signatureAlgorithm.algorithmId;
	if (!(alg in CRL_SIGNATURES)) throw new CrlError(`its signature algorithm ${alg} is not supported`);
	const key = new X509Certificate(Buffer.from(issuerDer)).publicKey;
	if (!verify(CRL_SIGNATURES[alg], crl.tbsView, key, crl.signatureValue.valueBlock.valueHexView))
		throw new CrlError('its signature is not the issuer’s');
	if (now < crl.thisUpdate.value)
		throw new CrlError(`it is not valid yet (thisUpdate ${crl.thisUpdate.value.toISOString()})`);
	// RFC 5280 §5.1.2.5: conforming CRLs carry nextUpdate; without one nobody can say it is current.
	if (!crl.nextUpdate) throw new CrlError('it has no nextUpdate');
	if (now >= crl.nextUpdate.value)
		throw new CrlError(`it is out of date (nextUpdate ${crl.nextUpdate.value.toISOString()})`);
	return { der: new Uint8Array(der), crl, nextUpdate: crl.nextUpdate.value };
}

/** GET with a timeout and a size cap on what is read (whatever Content-Length says). */
export async function downloadCrl(url: string, timeoutMs: number): Promise<Uint8Array> {
	let res: Response;
	try {
		res = await fetch(url, {
			headers: { accept: 'application/pkix-crl, */*' },
			signal: AbortSignal.timeout(timeoutMs)
		});
	} catch (e) {
		throw new CrlError(
			(e as Error).name === 'TimeoutError'
				? `no answer within ${timeoutMs} ms`
				: `cannot reach it (${(e as Error).message})`
		);
	}
	if (!res.ok) {
		await res.body?.cancel();
		throw new CrlError(`it answered HTTP ${res.status}`);
	}
	const tooBig = () => new CrlError(`it sent more than ${CRL_MAX_BYTES} bytes`);
	if (Number(res.headers.get('content-length') ?? 0) > CRL_MAX_BYTES) {
		await res.body?.cancel();
		throw tooBig();
	}
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		const reader = res.body!.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > CRL_MAX_BYTES) {
				await reader.cancel();
				throw tooBig();
			}
			chunks.push(value);
		}
	} catch (e) {
		if (e instanceof CrlError) throw e;
		throw new CrlError(
			(e as Error).name === 'TimeoutError' ? `no complete answer within ${timeoutMs} ms` : (e as Error).message
		);
	}
	return Buffer.concat(chunks);
}

type Fetched = { ok: true; crl: CheckedCrl } | { ok: false; problem: string };
interface CacheEntry {
	/** the issuer the CRL was checked against: another issuer (a rekeyed CA) is checked afresh */
	issuer: string;
	/** ms since the epoch: nextUpdate for a CRL, a short while for a failure */
	expires: number;
	fetched: Promise<Fetched>;
}
/** Per URL, this thread's: concurrent signatures share one fetch. */
const cache = new Map<string, CacheEntry>();

const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('base64');

function fetchCrl(url: string, issuerDer: Uint8Array, timeoutMs: number): Promise<Fetched> {
	const issuer = fingerprint(issuerDer);
	const hit = cache.get(url);
	if (hit && hit.issuer === issuer && Date.now() < hit.expires) return hit.fetched;
	if (cache.size > 64) cache.clear();
	const entry: CacheEntry = {
		issuer,
		expires: Infinity, // while the fetch is under way
		fetched: (async (): Promise<Fetched> => {
			try {
				return { ok: true, crl: checkCrl(await downloadCrl(url, timeoutMs), issuerDer, new Date()) };
			} catch (e) {
				return { ok: false, problem: e instanceof CrlError ? e.message : String(e) };
			}
		})()
	};
	cache.set(url, entry);
	void entry.fetched.then((f) => {
		entry.expires = f.ok ? f.crl.nextUpdate.getTime() : Date.now() + CRL_RETRY_MS;
	});
	return entry.fetched;
}

/** What was last said about each certificate, so that a lasting problem is logged once, not per file. */
const said = new Map<string, string>();
function sayOnce(key: string, problem: string | null): void {
	if (problem === null) {
		said.delete(key);
		return;
	}
	if (said.get(key) === problem) return;
	if (said.size > 256) said.clear();
	said.set(key, problem);
	console.warn(
		`[certificates] TSA revocation data: ${problem}. Certificates are still issued, but their time-stamp cannot be validated from the file alone (PAdES B-T, not B-LT).`
	);
}

/** What the revocation check needs of one TSA certificate: it depends on the DER alone. */
/** What the revocation check needs of one TSA certificate: it depends on the DER alone. */
type ChainMember = { der: Uint8Array; fingerprint: string; name: string } &
	// A self-signed certificate is a trust anchor: nothing above it can revoke it.
	(
		| { selfSigned: true }
		// The certificate of the list that issued it (its signature checked), if any; its http(s) CRLs.
		| { selfSigned: false; issuer: Uint8Array | null; serialNumber: asn1js.Integer; urls: string[] }
	);

/**
 * The chain read once per list of certificates and thread: every file time-stamped by one TSA names
 * the same certificates, and reading them (PKI.js's parse, the issuer's signature on each) was most of
 * the revocation step's time. The CRLs themselves are looked up for every file, below.
 */
const chains = new Map<string, ChainMember[]>();
function readChain(certsDer: Uint8Array[]): ChainMember[] {
	const key = certsDer.map(fingerprint).join(' ');
	let chain = chains.get(key);
	if (!chain) {
		const certs = certsDer.map((der) => ({ der, x: new X509Certificate(Buffer.from(der)) }));
		chain = certs.map((c): ChainMember => {
			const member = { der: c.der, fingerprint: fingerprint(c.der), name: `the TSA certificate “${subjectOf(c.x)}”` };
			if (c.x.checkIssued(c.x) && c.x.verify(c.x.publicKey)) return { ...member, selfSigned: true };
			const issuer = certs.find((i) => i !== c && c.x.checkIssued(i.x) && c.x.verify(i.x.publicKey));
			const cert = pkijs.Certificate.fromBER(ab(c.der));
			return {
				...member,
				selfSigned: false,
				issuer: issuer?.der ?? null,
				serialNumber: cert.serialNumber,
				urls: crlUrls(cert)
			};
		});
		if (chains.size > 16) chains.clear();
		chains.set(key, chain);
	}
	return chain;
}

/** The TSA certificate chain's CRLs for the DSS, and what kept any certificate from having a good one. */
export async function tsaRevocation(certsDer: Uint8Array[], tsaTimeoutMs: number): Promise<TsaRevocation> {
	const timeoutMs = Math.min(tsaTimeoutMs, CRL_MAX_TIMEOUT_MS);
	const results = await Promise.all(
		readChain(certsDer).map(async (c): Promise<{ crl?: Uint8Array; problem: string | null }> => {
			if (c.selfSigned) return { problem: null };
			const { name, issuer, urls } = c;
			let result: { crl?: Uint8Array; problem: string | null };
			if (!issuer)
				result = { problem: `${name} came without its issuer’s certificate, so no CRL for it can be checked` };
			else if (!urls.length) result = { problem: `${name} names no http(s) CRL distribution point` };
			else {
				const tried: string[] = [];
				result = { problem: null };
				for (const url of urls) {
					const f = await fetchCrl(url, issuer, timeoutMs);
					if (!f.ok) {
						tried.push(`the CRL at ${url}: ${f.problem}`);
						continue;
					}
					// Put in the DSS all the same: it is what tells a validator the time-stamp is not to be trusted.
					const entry = f.crl.crl.revokedCertificates?.find((r) => r.userCertificate.isEqual(c.serialNumber));
					result = {
						crl: f.crl.der,
						problem: entry
							? `${name} is revoked on its CRL (${url}, since ${entry.revocationDate.value.toISOString()})`
							: null
					};
					break;
				}
				if (!result.crl) result = { problem: `no current CRL for ${name}: ${tried.join('; ')}` };
			}
			sayOnce(c.fingerprint, result.problem);
			return result;
		})
	);
	const problems = results.map((r) => r.problem).filter((p): p is string => p !== null);
	return {
		crlsDer: results.map((r) => r.crl).filter((d): d is Uint8Array => !!d),
		problem: problems.length ? problems.join('; ') : null
	};
}
