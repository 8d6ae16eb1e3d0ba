import { describe, expect, it } from 'vitest';
import { proxyWarning } from './config';

describe('proxy warning at start', () => {
	it('warns when an https origin has no ADDRESS_HEADER (every client would share one rate limit)', () => {
		expect(proxyWarning({ ORIGIN: 'https://johnschool.example.org' })).toMatch(/ADDRESS_HEADER/);
	});

	it('is quiet with the header set, or on plain http (a local set-up)', () => {
		expect(proxyWarning({ ORIGIN: 'https://johnschool.example.org', ADDRESS_HEADER: 'x-forwarded-for' })).toBeNull();
		expect(proxyWarning({ ORIGIN: 'http://127.0.0.1:3000' })).toBeNull();
	});
});
