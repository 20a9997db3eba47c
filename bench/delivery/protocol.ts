/**
 * IPC between the benchmark driver (main.ts) and its client worker processes (worker.ts).
 * Every request carries an id; the worker answers once with the same id.
 */

/** A logged-in device as the workers know it. */
export interface Device {
  /** Driver-wide key for the device's connection. */
  key: string;
  accountId: number;
  token: string;
}

/** Where a sender sends: its device key and the chat. */
export interface Sender {
  key: string;
  chatId: number;
}

export type Request =
  | { cmd: 'register'; usernames: string[]; password: string; concurrency: number }
  | { cmd: 'link'; owners: Array<{ token: string; extra: number }>; concurrency: number }
  | { cmd: 'connect'; devices: Device[]; concurrency: number; timeoutMs: number }
  | { cmd: 'status' }
  /** Closed loop: each sender keeps `window` sends in flight for `seconds`. */
  | { cmd: 'flood'; phase: string; senders: Sender[]; window: number; seconds: number }
  /** Open loop: the worker sends `rate` messages/s round-robin over its senders, whatever the answers do. */
  | { cmd: 'paced'; phase: string; senders: Sender[]; rate: number; seconds: number; startAt: number }
  /** With `measureFrom`: also the latencies of messages intended to be sent from then on. */
  | { cmd: 'receipts'; phase: string; measureFrom?: number }
  | { cmd: 'close' };

export interface Registered {
  username: string;
  accountId: number;
  token: string;
  deviceId: number;
}

export interface SendResult {
  sent: number;
  acked: number;
  errors: number;
  firstError?: string;
  /** Epoch ms (performance.timeOrigin based) when sending started and stopped. */
  startedAt: number;
  endedAt: number;
}

export interface Receipts {
  count: number;
  first: number;
  last: number;
  latencies?: number[];
}

export interface Status {
  online: number;
  drops: number;
  dropReasons: Record<string, number>;
}

export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

/** High-resolution epoch milliseconds comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Message text for measured traffic: the phase, the intended send time, a sequence number. */
export function encodeText(phase: string, intendedAt: number, seq: number): string {
  return `${phase}|${intendedAt.toFixed(3)}|${seq}`;
}

export function decodeText(text: string): { phase: string; intendedAt: number } | undefined {
  const parts = text.split('|');
  if (parts.length !== 3) return undefined;
  const intendedAt = Number(parts[1]);
  return Number.isFinite(intendedAt) ? { phase: parts[0]!, intendedAt } : undefined;
}
