// Everything the server reads from its environment, in one place (documented in the README).
export const config = {
	get databaseUrl(): string | undefined {
		return process.env.DATABASE_URL || undefined;
	},
	get keysDir(): string {
		return process.env.KEYS_DIR || 'keys';
	},
	/** The public address printed on certificates (QR code); defaults to ORIGIN. */
	get publicOrigin(): string | undefined {
		return process.env.PUBLIC_ORIGIN || process.env.ORIGIN || undefined;
	},
	/** Secure cookies (and the __Host- prefix) whenever the site is served over HTTPS. */
	get secureCookies(): boolean {
		if (process.env.COOKIE_SECURE) return process.env.COOKIE_SECURE === 'true';
		return (process.env.ORIGIN ?? '').startsWith('https://');
	},
	/** Largest request body accepted by uploads, in bytes. */
	maxUploadBytes: 5 * 1024 * 1024
};
