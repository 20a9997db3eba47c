const ESTABLISHED_MS = 30 * 86_400_000;

/**
 * as_reputation: the share of accounts seen on this AS (30 days) that were banned, smoothed towards a
 * base rate p0 with `prior` pseudo-accounts ((banned + prior·p0) / (seen + prior)), minus p0. A
 * small AS with one ban does not jump to 100 %; an AS where half the accounts were spammers does show.
 * The network's record is a prior for accounts without their own: from 30 days of age it counts half
 * (VPN users share their exit ASes with spammers and have no other choice of neighbours).
 */
export function asReputation(seen: number, banned: number, accountAgeMs = 0, p0 = 0.02, prior = 20): number {
  const share = (Math.min(banned, seen) + prior * p0) / (seen + prior);
  return asReputationForAge(Math.max(0, share - p0), accountAgeMs);
}

/** The age rule alone (the AS part is cached per AS, the age is per account). */
export function asReputationForAge(excess: number, accountAgeMs: number): number {
  return accountAgeMs >= ESTABLISHED_MS ? excess / 2 : excess;
}
