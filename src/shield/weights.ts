/**
 * The score model's table: each signal, its default weight (points per unit of the signal's value)
 * and the ban reason it belongs to. docs/shield.md explains every row. Instances override weights
 * through config `shield.weights`; the threshold is `shield.threshold` (default 100).
 */

/** Stable ban reason codes (the client translates them; shadow mode is set per reason). */
export const BAN_REASONS = ['bulk_messaging', 'automation', 'registration_wave', 'suspicious_network', 'suspicious_identity', 'mass_reported'] as const;
export type BanReason = (typeof BAN_REASONS)[number];

export interface SignalSpec {
  weight: number;
  reason: BanReason;
}

export const SIGNALS = {
  account_age: { weight: 25, reason: 'bulk_messaging' },
  burst_30s: { weight: 6, reason: 'bulk_messaging' },
  strangers_day: { weight: 1.5, reason: 'bulk_messaging' },
  unofficial_client: { weight: 15, reason: 'automation' },
  no_client_behaviour: { weight: 20, reason: 'automation' },
  registration_wave: { weight: 8, reason: 'registration_wave' },
  hosting_network: { weight: 15, reason: 'suspicious_network' },
  vpn_network: { weight: 8, reason: 'suspicious_network' },
  as_reputation: { weight: 60, reason: 'suspicious_network' },
  phone_network_country: { weight: 10, reason: 'suspicious_identity' },
  voip_number: { weight: 15, reason: 'suspicious_identity' },
  lang_country: { weight: 8, reason: 'suspicious_identity' },
  blocks_received: { weight: 8, reason: 'mass_reported' },
  spam_reports: { weight: 12, reason: 'mass_reported' },
} as const satisfies Record<string, SignalSpec>;

export type SignalName = keyof typeof SIGNALS;
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/** Default weights merged with the instance's overrides (unknown names are ignored). */
export function resolveWeights(overrides: Readonly<Record<string, number>>): Record<SignalName, number> {
  const out = {} as Record<SignalName, number>;
  for (const name of SIGNAL_NAMES) out[name] = overrides[name] ?? SIGNALS[name].weight;
  return out;
}
