// Write-behind of the Store to the IndexedDB cache (cache.ts): which chats changed or went away since
// the last save, and the timer that batches saves. Its own object so the Store keeps no cache
// bookkeeping; it reads the Store's state only through `PersistedState` (no import of the Store).
import type { MessageView } from '../../../src/protocol/views.js';
import { Cache } from './cache.js';
import type { ChatEntry, LocalMessage, OutboxItem } from './types.js';

/** What a save reads: the logged-in account, the pts the data covers, chats, messages and outbox. */
export interface PersistedState {
  readonly session: { account: { id: number } } | null;
  readonly pts: number;
  readonly chats: Map<number, ChatEntry>;
  readonly messages: Map<number, LocalMessage[]>;
  readonly outbox: OutboxItem[];
}

/** The cache of one device's state: opened at start, saved in batches, cleared at log-out. */
export class Persistence {
  private cache: Cache | undefined;
  private dirtyChats = new Set<number>();
  private removedChats = new Set<number>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(private readonly state: PersistedState) {}

  /** Opens the IndexedDB cache once (it stays closed where IndexedDB is unavailable). */
  async open(): Promise<void> {
    this.cache ??= await Cache.open();
  }

  /** The cached state of `accountId`, or undefined (no cache, someone else's, or unreadable). */
  async load(accountId: number): Promise<Awaited<ReturnType<Cache['load']>>> {
    return this.cache?.load(accountId).catch(() => undefined);
  }

  async clear(): Promise<void> {
    await this.cache?.clear().catch(() => undefined);
  }

  /** Marks a chat's messages for the next save. */
  touch(chatId: number): void {
    this.dirtyChats.add(chatId);
  }

  /** Marks a chat gone (left, removed): the next save drops it and its messages from the cache. */
  removed(chatId: number): void {
    this.removedChats.add(chatId);
  }

  /** Saves soon (batched, 200 ms), or at once when `now` (outbox changes must survive a reload). */
  schedule(now = false): void {
    if (!this.cache || !this.state.session) return;
    if (this.saveTimer !== undefined && !now) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, now ? 0 : 200);
  }

  private async save(): Promise<void> {
    const { session, pts, chats, messages, outbox } = this.state;
    if (!this.cache || !session) return;
    const changed = new Map<number, MessageView[]>();
    for (const id of this.dirtyChats) {
      const list = messages.get(id);
      // A chat without a list in memory has none in the cache either (dropped, or never loaded).
      changed.set(id, (list ?? []).filter((m) => !m.pending));
    }
    const removed = [...this.removedChats];
    this.dirtyChats.clear();
    this.removedChats.clear();
    try {
      await this.cache.save({ accountId: session.account.id, pts, chats: [...chats.values()], outbox }, changed, removed);
    } catch {
      for (const id of changed.keys()) this.dirtyChats.add(id);
    }
  }
}
