/**
 * RFC 8785, the JSON Canonicalization Scheme (JCS): the byte form that version 2 of the certificate
 * facts is signed in. The serialisation itself is the `canonicalize` package (by one of the RFC's
 * authors): ECMAScript's JSON.stringify for strings and numbers, object members sorted by their
 * names' UTF-16 code units, no whitespace. What it leaves to the caller is RFC 8785 §3.1's I-JSON
 * restriction (RFC 7493), and `canonicalize` silently drops `undefined` and calls `toJSON`; a signed
 * record must not lose or change anything on the way, so this refuses all of that first.
 */
import canonicalize from 'canonicalize';

/** The canonical JSON text of a value (encode it as UTF-8, without a byte-order mark, to sign it). */
export function jcs(value: unknown): string {
	assertIJson(value, '$');
	const text = canonicalize(value);
	if (text === undefined) throw new TypeError('JCS: the value has no JSON form');
	return text;
}

/** The canonical bytes: UTF-8 of jcs(value). */
export function jcsBytes(value: unknown): Uint8Array {
	return new TextEncoder().encode(jcs(value));
}

function assertIJson(value: unknown, path: string): void {
	if (value === null) return;
	switch (typeof value) {
		case 'boolean':
			return;
		case 'string':
			// RFC 8785 §3.2.2.2: a lone surrogate MUST be an error (it has no UTF-8 form).
			if (!value.isWellFormed()) throw new TypeError(`JCS: ${path} holds a lone surrogate`);
			return;
		case 'number':
			// §3.2.2.3: NaN and Infinity MUST be an error.
			if (!Number.isFinite(value)) throw new TypeError(`JCS: ${path} is ${value}, which JSON cannot hold`);
			return;
		case 'object': {
			if (Array.isArray(value)) {
				value.forEach((v, i) => assertIJson(v, `${path}[${i}]`));
				return;
			}
			const proto = Object.getPrototypeOf(value);
			if (proto !== Object.prototype && proto !== null) throw new TypeError(`JCS: ${path} must be a plain object`);
			for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
				if (!k.isWellFormed()) throw new TypeError(`JCS: a key of ${path} holds a lone surrogate`);
				assertIJson(v, `${path}.${k}`);
			}
			return;
		}
		default:
			throw new TypeError(`JCS: ${path} is ${typeof value}, which has no JSON form`);
	}
}
