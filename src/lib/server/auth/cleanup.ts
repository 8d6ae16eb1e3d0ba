/**
 * What sign-in leaves behind that has no use any more: sessions past their idle or absolute limit
 * (a session nobody uses again is never looked up, so never removed on its own), rate-limit counters
 * whose window and block are over, devices unused for their lifetime, set-up keys never confirmed.
 * Hourly in the server; with several servers the deletes are idempotent, so running twice is harmless.
 */
import { clock } from '../clock';
import type { Db } from '../db';
import { deleteStaleDevices } from './known-devices';
import { deleteStaleLimits } from './rate-limit';
import { ABSOLUTE_TIMEOUT_MS, IDLE_TIMEOUT_MS } from './session';

const HOUR_MS = 3_600_000;

export interface CleanupReport {
	sessions: number;
	limits: number;
	devices: number;
	setupKeys: number;
}

export async function cleanupSignInData(db: Db): Promise<CleanupReport> {
	const now = clock.now().getTime();
	const idle = new Date(now - IDLE_TIMEOUT_MS).toISOString();
	const absolute = new Date(now - ABSOLUTE_TIMEOUT_MS).toISOString();
	const sessions = await db
		.deleteFrom('sessions')
		.where((eb) => eb.or([eb('last_seen_at', '<=', idle), eb('created_at', '<=', absolute)]))
		.executeTakeFirst();
	const setupKeys = await db
		.updateTable('users')
		.set({ totp_pending_key: null, totp_pending_at: null })
		.where('totp_pending_at', '<', new Date(now - HOUR_MS).toISOString())
		.executeTakeFirst();
	return {
		sessions: Number(sessions.numDeletedRows),
		limits: await deleteStaleLimits(db),
		devices: await deleteStaleDevices(db),
		setupKeys: Number(setupKeys.numUpdatedRows)
	};
}

export function scheduleSignInCleanup(getDb: () => Promise<Db>): () => void {
	let running = false;
	const tick = async () => {
		if (running) return;
		running = true;
		try {
			await cleanupSignInData(await getDb());
		} catch (e) {
			console.error('[cleanup] removing expired sessions and sign-in counters failed', e);
		} finally {
			running = false;
		}
	};
	const first = setTimeout(tick, 30_000);
	const hourly = setInterval(tick, HOUR_MS);
	first.unref();
	hourly.unref();
	return () => {
		clearTimeout(first);
		clearInterval(hourly);
	};
}
