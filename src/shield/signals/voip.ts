import type { PhoneFacts } from './phone.js';

/** voip_number: 1 for a VOIP number: cheap to get in bulk, a favourite for throwaway accounts. */
export function voipNumber(p: PhoneFacts): number {
  return p.voip ? 1 : 0;
}
