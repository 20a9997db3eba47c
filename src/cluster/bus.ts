/**
 * Publish/subscribe of updates between the parts of one node and, later, between nodes.
 * Chat logic only ever sees this interface: a Redis implementation can join nodes without
 * touching it. Messages are plain JSON-serialisable values.
 */
export type BusHandler = (message: unknown) => void;

export interface Bus {
  publish(topic: string, message: unknown): void;
  /** Returns the function that unsubscribes. */
  subscribe(topic: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

/** Topic names in one place so that publishers and subscribers cannot drift apart. */
export const Topics = {
  account: (accountId: number) => `a:${accountId}`,
  device: (deviceId: number) => `d:${deviceId}`,
  /** Ephemeral events for one device (call signaling): `{ type, data }` as in EphemeralMap. */
  deviceEvents: (deviceId: number) => `de:${deviceId}`,
  channel: (chatId: number) => `c:${chatId}`,
  link: (tokenHash: string) => `l:${tokenHash}`,
} as const;
