/**
 * burst_30s: messages sent in the last 30 seconds beyond a free allowance (8). A person typing
 * fast sends a handful; a script sends dozens. Below the hard rate limit, this is what moves.
 */
export function burst30s(messagesIn30s: number, allowance = 8): number {
  return Math.max(0, messagesIn30s - allowance);
}
