import type { ClientFacts } from '../types.js';

/** unofficial_client: 1 when the session did not identify as the official web client or SDK. */
export function unofficialClient(client: ClientFacts | null): number {
  return client?.client === 'unofficial' ? 1 : 0;
}
