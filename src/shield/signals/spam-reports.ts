const DAY = 86_400_000;

/**
 * How much one counted report (or block) weighs, by who files it. A report on a message that reached
 * the reporter unsolicited is the signal we want; on a message in a conversation or group the reporter
 * chose to be in, it weighs a quarter. Reporters younger than 30 days weigh half, younger than 7 days
 * a tenth: sybil accounts made for a mass-report attack are young, and aging them costs the attacker.
 */
export function reporterWeight(unsolicited: boolean, reporterAgeMs: number | null): number {
  const base = unsolicited ? 1 : 0.25;
  if (reporterAgeMs === null) return base * 0.5;
  if (reporterAgeMs < 7 * DAY) return base * 0.1;
  if (reporterAgeMs < 30 * DAY) return base * 0.5;
  return base;
}

/** spam_reports: the weighted count of distinct reporters (30 days). */
export function spamReports(weightedReporters: number): number {
  return Math.max(0, weightedReporters);
}
