import { randomInt } from 'node:crypto';

/** A small seeded PRNG (mulberry32) so that a failing random schedule can be replayed. */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
}

/** Seed from `TEST_SEED` when set (to replay a run), else a fresh random one. */
export function seededRandom(seed: number = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : randomInt(1, 2 ** 31)): SeededRandom {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
