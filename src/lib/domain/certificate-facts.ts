/**
 * The facts a completion certificate states, their signed byte form (what the Ed25519 signature
 * covers), and small formatting helpers. Pure: no I/O.
 *
 * Two versions exist, told apart by `v`, and both keep verifying:
 * - v1 (the first certificates): signed over canonicalJson (the rule below: keys sorted, strings
 *   NFC-normalised by the canonicaliser itself);
 * - v2 (from migration 0018 on): what 16 TAC §92.51 asks of a completion certificate, signed over
 *   RFC 8785 (JCS). JCS does not normalise Unicode, so every text is NFC from input on.
 */
import { jcs } from './jcs';

/** The sentence a participant signs (the attestation page shows it; v2 facts carry it word for word). */
export const ATTESTATION_TEXT =
	'I, the undersigned, attest that I personally completed all of the coursework of this program: I read the modules, answered the quizzes ' +
	'and wrote the reflections myself, without anyone else doing them for me. I understand that this attestation is made under penalty of law ' +
	'and that a false statement may be reported to the court.';

export interface CertificateFactsV1 {
	v: 1;
	/** e.g. RC-2026-000123 */
	serial: string;
	program: string;
	/** e.g. Breaking Free */
	provider: string;
	/** legal name, as on the referral */
	participantName: string;
	/** YYYY-MM-DD */
	dateOfBirth: string;
	court: string;
	caseNumber: string;
	offence: string | null;
	/** e.g. 2026.1 */
	curriculumVersion: string;
	/** YYYY-MM-DD */
	completedAt: string;
	/** whole seconds */
	seatSeconds: number;
	/** signedAt is ISO-8601 UTC */
	attestation: { name: string; signedAt: string };
	/** the facilitator's name */
	signedOffBy: string;
	/** ISO-8601 UTC */
	issuedAt: string;
	/** id of the Ed25519 key that signs these facts */
	keyId: string;
}

/** Version 2: every v1 fact, plus what a court record needs (16 TAC §92.51's checklist). */
export interface CertificateFactsV2 extends Omit<CertificateFactsV1, 'v'> {
	v: 2;
	/** the course's name (program setting; by default the curriculum's title) */
	courseName: string;
	/** the course's number, where the state or county gives one (program setting) */
	courseNumber: string | null;
	/** the provider's registration or licence number (program setting) */
	providerId: string | null;
	/** the provider's telephone number (program setting) */
	providerPhone: string | null;
	/** the participant's registration number in the program, e.g. RC-P-000123 (given at referral) */
	registrationNumber: string;
	/** the court's county */
	county: string;
	/** YYYY-MM-DD of the offence, where the referral gives it */
	offenceDate: string | null;
	/** whole seconds of seat time the course required (curriculum minimums × the program's percentage) */
	requiredSeconds: number;
	/** the facilitator's job title, e.g. "Program Facilitator" */
	signedOffByTitle: string | null;
	/** the serial this certificate replaces (a correction), or null */
	replacesSerial: string | null;
	/** the exact attestation the participant signed */
	attestationText: string;
}

export type CertificateFacts = CertificateFactsV1 | CertificateFactsV2;

/** Facts as the registry keeps them: after the retention purge, redacted and dated (`purgedAt`). */
export type StoredFacts = CertificateFacts & { purgedAt?: string };

/**
 * `certificates.facts_json` read back: the one place it is parsed, and checked to be facts of a
 * version this code knows, so a damaged row fails loudly here rather than as a blank on a page.
 */
export function parseStoredFacts(json: string): StoredFacts {
	const f: unknown = JSON.parse(json);
	const o = (f ?? {}) as { v?: unknown; serial?: unknown; participantName?: unknown };
	if (
		typeof f !== 'object' ||
		(o.v !== 1 && o.v !== 2) ||
		typeof o.serial !== 'string' ||
		typeof o.participantName !== 'string'
	)
		throw new Error('stored certificate facts are not version 1 or 2 facts');
	return f as StoredFacts;
}

/** What the issuing step fills in itself. New certificates are always version 2. */
export type UnsignedFacts = Omit<CertificateFactsV2, 'keyId' | 'issuedAt'>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Canonical JSON, the exact bytes the Ed25519 signature covers.
 *
 * Version 1's rule (version 2 is RFC 8785: see jcs.ts), for anyone reproducing it outside this software:
 *   1. Every string (values and object keys) is Unicode-normalised to NFC.
 *   2. Object keys are sorted in ascending order, recursively at every depth, comparing UTF-16 code
 *      units (JavaScript's default sort; for the ASCII keys used here that is plain byte order).
 *   3. Numbers must be integers (safe range); null is kept; undefined, NaN, Infinity, fractions,
 *      functions and other types are refused, not dropped. Arrays keep their order.
 *   4. Serialise with no whitespace at all, exactly as ECMAScript `JSON.stringify(value)` does
 *      (so non-ASCII characters appear as raw characters, not \u escapes), and encode as UTF-8
 *      without a byte-order mark.
 * In other words: canonical = UTF-8( JSON.stringify( sortKeysRecursively( nfc(facts) ) ) ).
 * Example: {"b":1,"a":{"d":null,"c":"é"}} → {"a":{"c":"é","d":null},"b":1}
 */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(normalise(value, '$'));
}

/**
 * The text the facts' signature covers: version 2's RFC 8785 (JCS); version 1's canonicalJson, which
 * is also what any object without a `v` has always been signed with. A record that claims another
 * version is refused: it cannot carry a valid signature.
 */
export function canonicalFacts(f: CertificateFacts): string {
	const v = (f as { v?: unknown }).v;
	if (v === 2) return jcs(f);
	if (v === 1 || v === undefined) return canonicalJson(f);
	throw new TypeError(`certificate facts: unknown version ${String(v)}`);
}

/**
 * The exact bytes the Ed25519 signature covers: UTF-8 of canonicalFacts. The JSON API serves them
 * (base64, `signedFacts`) and the PDF embeds them, so a verifier checks the signature over these
 * bytes and never has to canonicalise anything himself.
 */
export function signedFactsBytes(f: CertificateFacts): Uint8Array {
	return new TextEncoder().encode(canonicalFacts(f));
}

function normalise(value: unknown, path: string): Json {
	if (value === null) return null;
	switch (typeof value) {
		case 'string':
			return value.normalize('NFC');
		case 'boolean':
			return value;
		case 'number':
			if (!Number.isSafeInteger(value)) {
				throw new TypeError(`canonical JSON: ${path} must be an integer, got ${value}`);
			}
			return value;
		case 'object': {
			if (Array.isArray(value)) return value.map((v, i) => normalise(v, `${path}[${i}]`));
			const proto = Object.getPrototypeOf(value);
			if (proto !== Object.prototype && proto !== null) {
				throw new TypeError(`canonical JSON: ${path} must be a plain object`);
			}
			const entries = Object.entries(value as Record<string, unknown>).map(
				([k, v]) => [k.normalize('NFC'), v] as const
			);
			entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
			const out: { [key: string]: Json } = {};
			for (let i = 0; i < entries.length; i++) {
				const [k, v] = entries[i];
				if (i > 0 && entries[i - 1][0] === k) {
					throw new TypeError(`canonical JSON: duplicate key ${path}.${k} after NFC`);
				}
				out[k] = normalise(v, `${path}.${k}`);
			}
			return out;
		}
		default:
			throw new TypeError(`canonical JSON: ${path} is ${typeof value}, which has no JSON form`);
	}
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Problems with a facts object, as readable sentences; empty when it is well-formed. */
export function factsProblems(f: CertificateFacts): string[] {
	const p: string[] = [];
	if (f.v !== 1 && f.v !== 2) p.push('v must be 1 or 2');
	for (const k of ['serial', 'program', 'provider', 'participantName', 'court', 'caseNumber'] as const) {
		if (typeof f[k] !== 'string' || f[k].trim() === '') p.push(`${k} is required`);
	}
	for (const k of ['curriculumVersion', 'signedOffBy', 'keyId'] as const) {
		if (typeof f[k] !== 'string' || f[k].trim() === '') p.push(`${k} is required`);
	}
	if (f.offence !== null && typeof f.offence !== 'string') p.push('offence must be text or null');
	if (!ISO_DATE.test(f.dateOfBirth)) p.push('dateOfBirth must be YYYY-MM-DD');
	if (!ISO_DATE.test(f.completedAt)) p.push('completedAt must be YYYY-MM-DD');
	if (!Number.isSafeInteger(f.seatSeconds) || f.seatSeconds < 0) {
		p.push('seatSeconds must be a whole number of seconds');
	}
	if (!f.attestation || !f.attestation.name?.trim()) p.push('attestation.name is required');
	if (!ISO_UTC.test(f.attestation?.signedAt ?? '')) p.push('attestation.signedAt must be ISO-8601 UTC');
	if (!ISO_UTC.test(f.issuedAt)) p.push('issuedAt must be ISO-8601 UTC');
	if (f.v === 2) p.push(...v2Problems(f));
	return p;
}

function v2Problems(f: CertificateFactsV2): string[] {
	const p: string[] = [];
	for (const k of ['courseName', 'registrationNumber', 'county', 'attestationText'] as const) {
		if (typeof f[k] !== 'string' || f[k].trim() === '') p.push(`${k} is required`);
	}
	for (const k of ['courseNumber', 'providerId', 'providerPhone', 'signedOffByTitle', 'replacesSerial'] as const) {
		if (f[k] !== null && (typeof f[k] !== 'string' || f[k].trim() === '')) p.push(`${k} must be text or null`);
	}
	if (f.offenceDate !== null && !ISO_DATE.test(f.offenceDate)) p.push('offenceDate must be YYYY-MM-DD or null');
	if (!Number.isSafeInteger(f.requiredSeconds) || f.requiredSeconds < 0)
		p.push('requiredSeconds must be a whole number of seconds');
	// JCS signs the bytes as they are: text not in NFC would not match the same name typed again.
	const texts: [string, unknown][] = [...Object.entries(f), ['attestation.name', f.attestation?.name]];
	for (const [k, value] of texts) {
		if (typeof value === 'string' && value !== value.normalize('NFC')) p.push(`${k} must be in Unicode NFC`);
	}
	return p;
}

/** registrationNumber('RC', 123) → "RC-P-000123": a participant's number in his program (at least six digits). */
export function registrationNumber(prefix: string, n: number): string {
	if (!/^[A-Z][A-Z0-9]{0,9}$/.test(prefix)) {
		throw new RangeError(`registration prefix must be 1-10 capital letters or digits, got "${prefix}"`);
	}
	if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`registration counter must be ≥ 1, got ${n}`);
	return `${prefix}-P-${String(n).padStart(6, '0')}`;
}

/** serialNumber('RC', 2026, 123) → "RC-2026-000123" (at least six digits). */
export function serialNumber(prefix: string, year: number, n: number): string {
	if (!/^[A-Z][A-Z0-9]{0,9}$/.test(prefix)) {
		throw new RangeError(`serial prefix must be 1-10 capital letters or digits, got "${prefix}"`);
	}
	if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new RangeError(`bad year ${year}`);
	if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`serial counter must be ≥ 1, got ${n}`);
	return `${prefix}-${year}-${String(n).padStart(6, '0')}`;
}

/** formatSeatTime(29100) → "8 h 05 min" (whole minutes, rounded down). */
export function formatSeatTime(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`bad seat time ${seconds}`);
	const minutes = Math.floor(seconds / 60);
	return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
