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
	/** Where the server writes its scheduled SQLite backups; unset = no scheduled backups. */
	get backupDir(): string | undefined {
		return process.env.BACKUP_DIR || undefined;
	},
	get backupIntervalMinutes(): number {
		return positive('BACKUP_INTERVAL_MINUTES', 15, false);
	},
	/** How many scheduled backups to keep (96 every 15 minutes = 24 hours). */
	get backupKeep(): number {
		return positive('BACKUP_KEEP', 96, true);
	},
	/**
	 * HSTS once the site is served over https (ASVS 3.4.1): a year, subdomains included unless
	 * HSTS_INCLUDE_SUBDOMAINS=false (a county domain whose other hosts are not all on https yet).
	 */
	get hsts(): string {
		return `max-age=31536000${process.env.HSTS_INCLUDE_SUBDOMAINS === 'false' ? '' : '; includeSubDomains'}`;
	},
	/**
	 * WRITE_THROTTLE=off lifts the per-user flood limits on draft saves, heartbeats and documents
	 * (auth/throttle.ts) so that `npm run bench` can measure those writes at full load; never in
	 * production (the server warns at start).
	 */
	get writeThrottle(): boolean {
		return process.env.WRITE_THROTTLE !== 'off';
	},
	/**
	 * The RFC 3161 time-stamping authority the PDF signatures are time-stamped by (PAdES B-T); unset:
	 * certificates are signed without an independent time, and the server says so at start.
	 */
	get tsaUrl(): string | undefined {
		return process.env.TSA_URL || undefined;
	},
	/**
	 * How long one request to the TSA may take (it is retried once). At most 15 s: a certificate's
	 * first signature in a worker may make three requests, and the worker's job limit is 60 s.
	 */
	get tsaTimeoutMs(): number {
		const ms = positive('TSA_TIMEOUT_MS', 10_000, true);
		if (ms > 15_000) throw new Error(`TSA_TIMEOUT_MS must be at most 15000, not "${process.env.TSA_TIMEOUT_MS}"`);
		return ms;
	},
	/** PEM file of the TSA's CA certificate(s): tokens must chain to one; they also go into each file's DSS. */
	get tsaCaFile(): string | undefined {
		return process.env.TSA_CA_FILE || undefined;
	},
	/** true: a certificate the TSA cannot time-stamp is not issued (default: issued without, and logged). */
	get tsaRequired(): boolean {
		return process.env.TSA_REQUIRED === 'true';
	},
	/** Largest request body accepted by uploads, in bytes. */
	maxUploadBytes: 5 * 1024 * 1024
};

/** A positive number from the environment, or the default; anything else stops the server at start. */
function positive(name: string, fallback: number, integer: boolean): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const n = Number(raw);
	if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
		throw new Error(`${name} must be a positive ${integer ? 'whole number' : 'number'}, not "${raw}"`);
	}
	return n;
}

/**
 * Behind a reverse proxy every request comes from the proxy's address, so every person would share one
 * rate-limit bucket unless adapter-node is told which header carries the client's address
 * (ADDRESS_HEADER, with XFF_DEPTH for X-Forwarded-For). A public https origin without it is most
 * likely such a set-up: say so at start. (Set ADDRESS_HEADER only behind a proxy: clients could
 * otherwise write the header themselves.)
 */
export function proxyWarning(env: NodeJS.ProcessEnv = process.env): string | null {
	if (!(env.ORIGIN ?? '').startsWith('https://') || env.ADDRESS_HEADER) return null;
	return 'ORIGIN is https but ADDRESS_HEADER is not set. Behind a reverse proxy, set ADDRESS_HEADER=X-Forwarded-For (and XFF_DEPTH to the number of proxies), or every client shares one sign-in and verification rate limit.';
}
