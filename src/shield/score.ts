import type { SignalContribution, Verdict } from './types.js';
import { BAN_REASONS, SIGNALS, SIGNAL_NAMES, type BanReason, type SignalName } from './weights.js';

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
  for (let i = 0; i < SIGNAL_NAMES.length; i++) {
    const name = SIGNAL_NAMES[i]!;
    valueScratch[i] = values[name] ?? 0;
    weightScratch[i] = weights[name];
  }
  return scoreSignals(valueScratch, weightScratch, threshold, shadowed);
}

/** Index of each signal in SIGNAL_NAMES: the send path keeps signal values in a Float64Array by it. */
export const SIGNAL_INDEX = Object.fromEntries(SIGNAL_NAMES.map((name, i) => [name, i])) as Record<SignalName, number>;

/** Weights as an array in SIGNAL_NAMES order (for scoreSignals). */
export function weightArray(weights: Readonly<Record<SignalName, number>>): Float64Array {
  return Float64Array.from(SIGNAL_NAMES, (name) => weights[name]);
}

/** Signal values as an array in SIGNAL_NAMES order (absent ones 0: they score alike), for scoreSignals. */
export function signalArray(values: SignalValues): Float64Array {
  return Float64Array.from(SIGNAL_NAMES, (name) => values[name] ?? 0);
}

/**
 * scoreVerdict over values and weights in SIGNAL_NAMES order (the send path fills such an array rather
 * than an object, whose keyed reads by signal name were a cost of their own).
 */
export function scoreSignals(values: Float64Array, weights: Float64Array, threshold: number, shadowed: (reason: BanReason) => boolean): Verdict {
  // Runs on every message: fixed scratch arrays instead of a Map, an array of every contribution and a
  // sort. Same results: the top three are kept by insertion in signal order, ties staying first (as the
  // stable sort did), and the reasons are visited in first-contribution order (as the Map iterated).
  let score = 0;
  let n = 0;
  let reasons = 0;
  byReason.fill(0);
  present.fill(0);
  for (let i = 0; i < SIGNAL_NAMES.length; i++) {
    const value = values[i]!;
    if (!value) continue;
    const points = value * weights[i]!;
    if (points === 0) continue;
    score += points;
    const r = REASON_OF[i]!;
    byReason[r] = byReason[r]! + points;
    if (!present[r]) order[reasons++] = r;
    present[r] = 1;
    const shown = round(points);
    let at = n;
    while (at > 0 && topPoints[at - 1]! < shown) at--;
    if (at >= TOP) continue;
    for (let j = Math.min(n, TOP - 1); j > at; j--) {
      topSignal[j] = topSignal[j - 1]!;
      topPoints[j] = topPoints[j - 1]!;
      topValue[j] = topValue[j - 1]!;
    }
    topSignal[at] = i;
    topPoints[at] = shown;
    topValue[at] = value;
    if (n < TOP) n++;
  }
  const top: SignalContribution[] = [];
  for (let j = 0; j < n; j++) top.push({ signal: SIGNAL_NAMES[topSignal[j]!]!, value: round(topValue[j]!), points: topPoints[j]! });
  score = round(score);
  if (score < threshold) return { score, threshold, action: 'allow', shadowBan: false, reason: null, top };
  let reason: BanReason = 'bulk_messaging';
  let best = -Infinity;
  for (let o = 0; o < reasons; o++) {
    const r = order[o]!;
    if (byReason[r]! > best) {
      best = byReason[r]!;
      reason = BAN_REASONS[r]!;
    }
  }
  const shadow = shadowed(reason);
  return { score, threshold, action: shadow ? 'allow' : 'ban', shadowBan: shadow, reason, top };
}

/** Index into BAN_REASONS of each signal's reason, in SIGNAL_NAMES order. */
const REASON_OF = SIGNAL_NAMES.map((name) => BAN_REASONS.indexOf(SIGNALS[name].reason));
// Scratch space of scoreVerdict and scoreSignals (synchronous, so one set per process is enough).
const valueScratch = new Float64Array(SIGNAL_NAMES.length);
const weightScratch = new Float64Array(SIGNAL_NAMES.length);
const byReason = new Float64Array(BAN_REASONS.length);
const present = new Uint8Array(BAN_REASONS.length);
const order = new Uint8Array(BAN_REASONS.length);
const topSignal = new Int32Array(TOP);
const topPoints = new Float64Array(TOP);
const topValue = new Float64Array(TOP);

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
