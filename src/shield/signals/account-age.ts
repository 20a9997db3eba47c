const DAY = 86_400_000;

/**
 * account_age: 1 for an account created just now, falling linearly to 0 at 7 days. Most spam
 * accounts are burnt within days of registration; an established account has nothing to add.
 */
export function accountAge(ageMs: number, fullDays = 7): number {
  if (ageMs <= 0) return 1;
  return Math.max(0, 1 - ageMs / (fullDays * DAY));
}
