import type { RelayServer } from '../protocol/calls.js';

/** Result of checking one relay with a real TURN allocation (`parley doctor`, health checks). */
export interface RelayCheck {
  id: string;
  region: string;
  url: string;
  ok: boolean;
  /** Round trip of the authenticated Allocate request, ms. */
  rttMs: number | null;
  /** The relayed transport address coturn gave us (for doctor output only; never sent to clients). */
  relayedAddress: string | null;
  error: string | null;
}

/**
 * The relays calls may use: the coturn Parley manages (embedded default) and/or external ones.
 * `offer()` mints fresh credentials per call, for healthy relays only.
 */
export interface RelayPool {
  /** Starts the managed coturn (when enabled) and the periodic health checks. */
  start(): Promise<void>;
  /** Healthy relays with fresh credentials (all configured ones until the first check has run). */
  offer(): RelayServer[];
  /** Checks every configured relay now with a real allocation. */
  checkAll(): Promise<RelayCheck[]>;
  close(): Promise<void>;
}
