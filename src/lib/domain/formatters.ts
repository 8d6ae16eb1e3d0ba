// Intl formatters are costly to build (tens of microseconds each, more than formatting itself) and
// `Date.prototype.toLocale…String(locale, options)` builds one on every call. So each distinct
// (locale, options) pair is built once per process and kept; the set of pairs the code uses is small
// and fixed, so the cache needs no eviction. Shared by the pages and the server.

const formats = new Map<string, Intl.DateTimeFormat>();

/** The one Intl.DateTimeFormat for these options (built on first use). */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = `${locale}\u0000${JSON.stringify(options)}`;
	let f = formats.get(key);
	if (!f) formats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
	return f;
}

const zones = new Map<string, boolean>();

/** Whether `timeZone` is an IANA zone this runtime knows (asked once per name). */
export function isTimeZone(timeZone: string): boolean {
	let known = zones.get(timeZone);
	if (known === undefined) {
		try {
			new Intl.DateTimeFormat('en', { timeZone });
			known = true;
		} catch {
			known = false;
		}
		// Names come from settings and input: keep the cache bounded whatever is typed.
		if (zones.size < 1000) zones.set(timeZone, known);
	}
	return known;
}

/** The text of one part ("timeZoneName", …) of an instant formatted with `f`. */
export function formatPart(f: Intl.DateTimeFormat, date: Date, type: Intl.DateTimeFormatPartTypes): string | undefined {
	return f.formatToParts(date).find((p) => p.type === type)?.value;
}
