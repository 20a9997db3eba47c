import { defineErrors } from '../kernel/errors.js';

/**
 * Codes of the relays module. They reach operators (logs, `parley doctor`), not call clients: a
 * call without a usable relay fails in the calls module with its own `relays_unavailable`.
 */
export const RelaysErrors = defineErrors({
  relay_binary_missing: { http: 503, ws: 1013, message: "coturn is not installed (no turnserver binary): install Debian's coturn (apt-get install coturn)" },
  relay_start_failed: { http: 503, ws: 1013, message: 'The managed coturn did not start' },
});
