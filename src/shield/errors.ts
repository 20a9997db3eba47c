import { defineErrors } from '../kernel/errors.js';

/**
 * Codes of the anti-abuse shield. Rate limits reuse the kernel's `rate_limited` (429, data.retryAfterMs).
 * `account_banned` carries { reason, bannedAt, expiresAt, appeal, appealRoute }: the client translates
 * the reason code itself, so no reason text travels with it.
 */
export const ShieldErrors = defineErrors({
  account_banned: { http: 403, ws: 4403, message: 'This account is banned for abuse; you can appeal' },
  not_banned: { http: 409, ws: 4409, message: 'This account is not banned' },
  appeal_exists: { http: 409, ws: 4409, message: 'An appeal was already submitted for this ban' },
  appeal_not_found: { http: 404, ws: 4404, message: 'No pending appeal for this account' },
});
