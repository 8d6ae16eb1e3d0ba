export function homeFor(roles: string[]): string {
	if (roles.includes('admin')) return '/admin';
	if (roles.includes('facilitator')) return '/facilitate';
	if (roles.includes('court')) return '/court';
	return '/learn';
}

// Any origin will do as the base: only a result on this same origin is kept.
const BASE = 'http://next.invalid';

/**
 * A `next` address only when it is a path on this site, re-serialised from the parsed URL.
 * String checks alone are not enough: browsers drop tabs and line breaks inside a URL (so `/\t/host`
 * becomes `//host`, another site) and a raw CR or LF in a Location header is refused with a 500.
 * Parsing follows the same WHATWG URL rules as the browser, and the output is percent-encoded.
 */
export function safeNext(next: string | null | undefined): string | null {
	if (!next || next.length > 2000 || !next.startsWith('/')) return null;
	// Control characters and any kind of space have no place in a path we link to ourselves.
	if (/[\p{Cc}\p{Z}\\]/u.test(next)) return null;
	let url: URL;
	try {
		url = new URL(next, BASE);
	} catch {
		return null;
	}
	if (url.origin !== BASE) return null;
	const path = `${url.pathname}${url.search}${url.hash}`;
	// The serialised path must itself stay a same-site path for every reader (never `//…`).
	return path.startsWith('/') && !path.startsWith('//') ? path : null;
}
