import type { Session } from '$lib/server/auth/session';
import type { UserIdentity } from '$lib/server/users/users.queries';

declare global {
	namespace App {
		interface Locals {
			user: UserIdentity | null;
			session: Session | null;
			/** The session's password step is done but its TOTP step is not. */
			pendingTwoFactor: boolean;
			requestId: string;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
	}
}

export {};
