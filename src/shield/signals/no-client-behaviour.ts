/**
 * no_client_behaviour: 1 when the account sent at least `minSent` (5) messages today and its clients
 * produced no typing or read-receipt events today or yesterday. Apps type and read; scripts only post.
 * People who switch both indicators off look the same, which is why the weight is small.
 */
export function noClientBehaviour(sentToday: number, behaviourEvents: number, minSent = 5): number {
  return sentToday >= minSent && behaviourEvents === 0 ? 1 : 0;
}
