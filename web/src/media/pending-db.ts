import type { MediaKind, UploadStart } from './api.js';

/**
 * Uploads not finished yet, kept in IndexedDB so that a reload can resume them: the server keeps the
 * parts it received, and the client finds its upload id again by the file's SHA-256. Small files
 * (recorded voice notes have no file on disk to re-pick) keep their bytes too.
 */
export interface PendingRecord {
  /** Local id of the upload (stable across reloads). */
  key: string;
  accountId: number;
  chatId: number;
  caption: string;
  randomId: string;
  kind: MediaKind;
  name: string;
  size: number;
  mime: string;
  sha256?: string;
  uploadId?: string;
  start?: Omit<UploadStart, 'sha256'>;
  createdAt: number;
  blob?: Blob;
}

/** Bytes kept with the record up to this size; larger files are re-picked by the user after a reload. */
export const KEEP_BLOB_LIMIT = 32 * 1024 * 1024;

const DB = 'parley-media';
const STORE = 'pending';

let dbPromise: Promise<IDBDatabase | undefined> | undefined;

function open(): Promise<IDBDatabase | undefined> {
  dbPromise ??= new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve(undefined);
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    // Private modes may refuse IndexedDB: uploads then resume only within this page's life.
    req.onerror = () => resolve(undefined);
  });
  return dbPromise;
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  const db = await open();
  if (!db) return undefined;
  return new Promise((resolve) => {
    const req = fn(db.transaction(STORE, mode).objectStore(STORE));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(undefined);
  });
}

export async function savePending(rec: PendingRecord): Promise<void> {
  await tx('readwrite', (s) => s.put(rec));
}

export async function deletePending(key: string): Promise<void> {
  await tx('readwrite', (s) => s.delete(key));
}

export async function listPending(accountId: number): Promise<PendingRecord[]> {
  const all = (await tx<PendingRecord[]>('readonly', (s) => s.getAll() as IDBRequest<PendingRecord[]>)) ?? [];
  return all.filter((r) => r.accountId === accountId).sort((a, b) => a.createdAt - b.createdAt);
}
