// Display helpers shared by pages (no server code).
export function minutes(seconds: number): string {
	const m = Math.floor(seconds / 60);
	if (m < 10) return m === 0 ? `${Math.floor(seconds)} s` : `${m} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
	if (m < 60) return `${m} min`;
	return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function longDate(isoDate: string): string {
	const d = new Date(isoDate.length === 10 ? `${isoDate}T12:00:00Z` : isoDate);
	return d.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

export function dateTime(iso: string): string {
	return new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/Chicago' }) + ' CT';
}

export function daysUntil(isoDate: string, today = new Date().toISOString().slice(0, 10)): number {
	return Math.round((Date.parse(isoDate) - Date.parse(today)) / 86_400_000);
}
