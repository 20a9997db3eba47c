import type { SignalContribution, Verdict } from './types.js';
import { SIGNALS, SIGNAL_NAMES, type BanReason, type SignalName } from './weights.js';

/** The raw values of every signal for one event (0 when a signal does not apply). */
export type SignalValues = Partial<Record<SignalName, number>>;

/** How many contributions a verdict explains itself with. */
const TOP = 3;

/**
 * The transparent model: score = Σ weight × value. At or above the threshold the verdict is a ban
 * for the reason whose signals contributed most; when that reason runs in shadow mode the action stays
 * 'allow' and shadowBan says what would have happened.
 */
export function scoreVerdict(values: SignalValues, weights: Readonly<Record<SignalName, number>>, threshold: number, shadowed: (reason: BanReason) => boolean): Verdict {
  let score = 0;
  const contributions: SignalContribution[] = [];
  const byReason = new Map<BanReason, number>();
  for (const name of SIGNAL_NAMES) {
    const value = values[name];
    if (!value) continue;
    const points = value * weights[name];
    if (points === 0) continue;
    score += points;
    contributions.push({ signal: name, value: round(value), points: round(points) });
    const reason = SIGNALS[name].reason;
    byReason.set(reason, (byReason.get(reason) ?? 0) + points);
  }
  contributions.sort((a, b) => b.points - a.points);
  const top = contributions.slice(0, TOP);
  score = round(score);
  if (score < threshold) return { score, threshold, action: 'allow', shadowBan: false, reason: null, top };
  let reason: BanReason = 'bulk_messaging';
  let best = -Infinity;
  for (const [r, p] of byReason) {
    if (p > best) {
      best = p;
      reason = r;
    }
  }
  const shadow = shadowed(reason);
  return { score, threshold, action: shadow ? 'allow' : 'ban', shadowBan: shadow, reason, top };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
