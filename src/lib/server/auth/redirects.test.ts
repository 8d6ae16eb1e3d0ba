import { describe, expect, it } from 'vitest';
import { safeNext } from './redirects';

// What a browser does with a Location header value: resolve it against the current page.
const landsOn = (location: string) => new URL(location, 'https://johnschool.example.org/login').origin;

describe('safeNext', () => {
	it.each([
		['//evil.example/x'],
		['/\\evil.example'],
		['/\t/evil.example'],
		['/\n/evil.example'],
		['/\r\n/evil.example'],
		['/\u3000/evil.example'],
		['/\u00a0/evil.example'],
		['/\u2028/evil.example'],
		['https://evil.example/'],
		['http:/evil.example'],
		['evil.example'],
		['javascript:alert(1)'],
		['/%09/evil.example'],
		['/ /evil.example'],
		['\t/learn'],
		['']
	])('refuses %j, or keeps it on this site', (next) => {
		const r = safeNext(next);
		if (r !== null) expect(landsOn(r)).toBe('https://johnschool.example.org');
		expect(r === null || !/[\s\u3000]/u.test(r)).toBe(true);
	});

	it('refuses the addresses the security test used', () => {
		expect(safeNext('/\t/evil.example')).toBeNull();
		expect(safeNext('/learn\r\nSet-Cookie: a=b')).toBeNull();
		expect(safeNext('/learn\u3000x')).toBeNull();
	});

	it('keeps a path on this site, with its query and fragment, percent-encoded', () => {
		expect(safeNext('/learn')).toBe('/learn');
		expect(safeNext('/facilitate/grading?module=m1#top')).toBe('/facilitate/grading?module=m1#top');
		expect(safeNext('/learn/modules/é')).toBe('/learn/modules/%C3%A9');
		expect(safeNext('/a/../learn')).toBe('/learn');
	});

	it('refuses a percent-encoded slash that would turn into another host after decoding', () => {
		const r = safeNext('/%2F%2Fevil.example');
		expect(r === null || landsOn(r) === 'https://johnschool.example.org').toBe(true);
	});
});
