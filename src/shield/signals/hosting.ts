import type { NetworkFacts } from '../types.js';

/** hosting_network: 1 when the address or its AS is on a datacenter/hosting list (few people live in a datacenter). */
export function hostingNetwork(net: NetworkFacts | null): number {
  return net?.hosting ? 1 : 0;
}
