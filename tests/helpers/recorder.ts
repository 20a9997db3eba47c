import type { ParleyClient, UpdateStream, StreamState } from '../../src/client/index.js';
import type { Update, UpdateType, UpdateDataMap, ChannelUpdate, EphemeralMap } from '../../src/protocol/updates.js';

export type Ephemeral = { type: keyof EphemeralMap; data: EphemeralMap[keyof EphemeralMap] };

/**
 * One connected device recording everything its update channel delivers: account updates,
 * channel frames and ephemeral events. `until` waits for a predicate over what arrived.
 */
export class Device {
  readonly updates: Update[] = [];
  readonly channel: ChannelUpdate[] = [];
  readonly events: Ephemeral[] = [];
  /** Every state the stream went through, with the close code when it dropped. */
  readonly states: Array<{ state: StreamState; code?: number }> = [];
  readonly stream: UpdateStream;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  private constructor(readonly client: ParleyClient) {
    this.stream = client.connect({
      onUpdate: (u) => this.record(() => this.updates.push(u)),
      onChannel: (u) => this.record(() => this.channel.push(u)),
      onEvent: (type, data) => this.record(() => this.events.push({ type, data })),
      onState: (state, detail) => this.states.push(detail?.code !== undefined ? { state, code: detail.code } : { state }),
    });
  }

  /** Connects and waits until the channel is live. */
  static async connect(client: ParleyClient): Promise<Device> {
    const d = new Device(client);
    await d.stream.synced();
    return d;
  }

  private record(push: () => void): void {
    push();
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  until(test: (d: Device) => boolean, what = 'updates', timeoutMs = 20000): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; have ${JSON.stringify(this.updates.map((u) => u.type))}`)), timeoutMs);
      this.waiters.push({ test: () => test(this), resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Updates of one type, data only. */
  of<T extends UpdateType>(type: T): Array<UpdateDataMap[T]> {
    return this.updates.filter((u) => u.type === type).map((u) => u.data as UpdateDataMap[T]);
  }

  /** Waits for the first update of `type` whose data matches `match`, and returns its data. */
  async next<T extends UpdateType>(type: T, match: (data: UpdateDataMap[T]) => boolean = () => true): Promise<UpdateDataMap[T]> {
    await this.until((d) => d.of(type).some(match), type);
    return this.of(type).find(match)!;
  }

  close(): void {
    this.stream.close();
  }
}

/** Asserts that `p` fails with an ApiError of `code` (and `status` when given); returns the error. */
export async function expectApiError(p: Promise<unknown>, code: string, status?: number): Promise<{ code: string; status: number; data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; status?: number; data?: Record<string, unknown> };
    if (e.code !== code || (status !== undefined && e.status !== status)) {
      throw new Error(`expected ${code}${status !== undefined ? ` ${status}` : ''}, got ${e.code} ${e.status}: ${String(err)}`, { cause: err });
    }
    return e as { code: string; status: number; data?: Record<string, unknown> };
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}
