import type { MessageView } from '../../../src/protocol/views.js';
import type { ChatEntry, OutboxItem } from './types.js';

/**
 * The offline cache in IndexedDB: chats (with drafts), messages and the stream's pts, written
 * together in one transaction so a reload never resumes past data it did not store.
 */
export interface Snapshot {
  accountId: number;
  pts: number;
  chats: ChatEntry[];
  outbox: OutboxItem[];
}

const DB_NAME = 'parley-cache';
const VERSION = 1;
/** Messages kept per chat in the cache (the newest ones); older pages come from the server. */
const KEEP_PER_CHAT = 200;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}
function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export class Cache {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(): Promise<Cache | undefined> {
    if (typeof indexedDB === 'undefined') return undefined;
    try {
      const open = indexedDB.open(DB_NAME, VERSION);
      open.onupgradeneeded = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
        if (!db.objectStoreNames.contains('messages')) {
          const s = db.createObjectStore('messages', { keyPath: ['chatId', 'id'] });
          s.createIndex('chat', 'chatId');
        }
      };
      return new Cache(await req(open));
    } catch {
      return undefined;
    }
  }

  /** The cached state for `accountId`, or undefined when the cache belongs to nobody or someone else. */
  async load(accountId: number): Promise<{ snapshot: Snapshot; messages: Map<number, MessageView[]> } | undefined> {
    const tx = this.db.transaction(['kv', 'messages'], 'readonly');
    const snapshot = (await req(tx.objectStore('kv').get('snapshot'))) as Snapshot | undefined;
    if (!snapshot || snapshot.accountId !== accountId) return undefined;
    const all = (await req(tx.objectStore('messages').getAll())) as MessageView[];
    const messages = new Map<number, MessageView[]>();
    for (const m of all) {
      let list = messages.get(m.chatId);
      if (!list) messages.set(m.chatId, (list = []));
      list.push(m);
    }
    for (const list of messages.values()) list.sort((a, b) => a.id - b.id);
    return { snapshot, messages };
  }

  /** Writes the snapshot and the changed chats' newest messages in one transaction. */
  async save(snapshot: Snapshot, changed: Map<number, MessageView[]>, removedChats: number[]): Promise<void> {
    const tx = this.db.transaction(['kv', 'messages'], 'readwrite');
    const store = tx.objectStore('messages');
    for (const chatId of [...removedChats, ...changed.keys()]) {
      store.delete(IDBKeyRange.bound([chatId, 0], [chatId, Number.MAX_SAFE_INTEGER]));
    }
    for (const list of changed.values()) for (const m of list.slice(-KEEP_PER_CHAT)) store.put(m);
    tx.objectStore('kv').put(snapshot, 'snapshot');
    await done(tx);
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['kv', 'messages'], 'readwrite');
    tx.objectStore('kv').clear();
    tx.objectStore('messages').clear();
    await done(tx);
  }
}
