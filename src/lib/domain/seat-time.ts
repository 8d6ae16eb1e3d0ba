// Seat time is credited by the server from heartbeats. The client can only say "I am here and
// active"; how much time that is worth is the server's clock, never the client's claim.
export const HEARTBEAT_INTERVAL_SECONDS = 15;
/** A gap longer than this means the page was hidden, idle or closed: the new stretch starts at zero. */
export const MAX_GAP_SECONDS = 45;

/**
 * Seconds to credit for a heartbeat at `now`, given the enrollment's previous heartbeat (from any tab
 * or module). Using one clock per enrollment means two open tabs never count double.
 */
export function creditSeconds(lastBeatAt: Date | null, now: Date): number {
	if (!lastBeatAt) return 0;
	const gap = (now.getTime() - lastBeatAt.getTime()) / 1000;
	if (gap <= 0 || gap > MAX_GAP_SECONDS) return 0;
	return Math.floor(gap);
}
