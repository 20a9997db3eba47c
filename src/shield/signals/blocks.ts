/** blocks_received: weighted distinct blockers (30 days) beyond 2 (people block exes and pests too). */
export function blocksReceived(weightedBlockers: number, allowance = 2): number {
  return Math.max(0, weightedBlockers - allowance);
}
