import { describe, expect, it } from 'vitest';
import { limitAddress } from './rate-limit';

describe('the address a limit counts against', () => {
	it('counts an IPv6 subscriber per /64, so rotating through his own addresses gives no fresh counter', () => {
		expect(limitAddress('2001:db8:1:2:aaaa::1')).toBe(limitAddress('2001:db8:1:2:ffff:ffff:ffff:fffe'));
		expect(limitAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
		expect(limitAddress('2001:db8:1:3::1')).not.toBe(limitAddress('2001:db8:1:2::1'));
	});

	it('counts IPv4, and IPv4 mapped into IPv6, per address', () => {
		expect(limitAddress('203.0.113.7')).toBe('203.0.113.7');
		expect(limitAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(limitAddress('203.0.113.8')).not.toBe('203.0.113.7');
	});

	it('keeps anything else as it is, shortened', () => {
		expect(limitAddress('unknown')).toBe('unknown');
		expect(limitAddress('x'.repeat(100))).toHaveLength(64);
	});
});
