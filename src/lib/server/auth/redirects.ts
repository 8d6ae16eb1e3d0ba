export function homeFor(roles: string[]): string {
	if (roles.includes('admin')) return '/admin';
	if (roles.includes('facilitator')) return '/facilitate';
	if (roles.includes('court')) return '/court';
	return '/learn';
}

/** Only same-site paths: never an open redirect. */
export function safeNext(next: string | null | undefined): string | null {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null;
}
