/**
 * strangers_day: distinct recipients today who do not know the sender (not in their contacts, never
 * wrote to the sender) beyond an allowance (5), capped at 20. Spam goes to strangers; conversations go
 * to people who know you. The cap exists because someone announcing a new number writes to every
 * contact on day one — all strangers to the new account — so this signal alone must never ban.
 * Group messages count once per group, not once per member (see shield.ts).
 */
export function strangersDay(distinctStrangers: number, allowance = 5, cap = 20): number {
  return Math.min(cap, Math.max(0, distinctStrangers - allowance));
}
