import type { NetworkFacts } from '../types.js';

/** vpn_network: 1 when the address or AS is on a VPN list (legitimate too, hence a small weight). */
export function vpnNetwork(net: NetworkFacts | null): number {
  return net?.vpn ? 1 : 0;
}
