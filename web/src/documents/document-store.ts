/**
 * Where the pipelines kept in this browser live. The library reads and writes a synchronous `StorageLike`; in the
 * browser that is a `CachedStorage`: every stored item held in memory and written through, asynchronously, to
 * IndexedDB, whose quota (a share of the disk) holds documents of 100 000 samples that localStorage (about 5 MB per
 * origin) refuses. What localStorage held before is moved into IndexedDB once, on the first start. Where IndexedDB
 * cannot be opened (some private modes), localStorage is used as before.
 */
import type { StorageLike } from './library.ts';

/** An asynchronous key–value store of text. */
export interface DocumentStore {
  entries(): Promise<Array<[string, string]>>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The keys of the document library (see library.ts), which are the ones migrated. */
const OWN_KEY = /^weir:(pipelines|current|pipeline:.*)$/;

const request = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

const done = (tx: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });

/** One object store of text values under text keys: a few lines over the IndexedDB API, no library. */
export class IndexedDbStore implements DocumentStore {
  private readonly db: IDBDatabase;
  private readonly storeName: string;

  private constructor(db: IDBDatabase, storeName: string) {
    this.db = db;
    this.storeName = storeName;
  }

  static async open(name = 'weir', storeName = 'documents'): Promise<IndexedDbStore> {
    const opening = indexedDB.open(name, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(storeName);
    return new IndexedDbStore(await request(opening), storeName);
  }

  async entries(): Promise<Array<[string, string]>> {
    const tx = this.db.transaction(this.storeName, 'readonly');
    const store = tx.objectStore(this.storeName);
    const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
    return keys.map((k, i) => [String(k), String(values[i])]);
  }

  put(key: string, value: string): Promise<void> {
    const tx = this.db.transaction(this.storeName, 'readwrite');
    tx.objectStore(this.storeName).put(value, key);
    return done(tx);
  }

  delete(key: string): Promise<void> {
    const tx = this.db.transaction(this.storeName, 'readwrite');
    tx.objectStore(this.storeName).delete(key);
    return done(tx);
  }
}

/** The library's items of a `Storage` (localStorage) as a `DocumentStore`. */
export class WebStorageStore implements DocumentStore {
  private readonly storage: Storage;

  constructor(storage: Storage) {
    this.storage = storage;
  }

  async entries(): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key !== null && OWN_KEY.test(key)) out.push([key, this.storage.getItem(key)!]);
    }
    return out;
  }

  async put(key: string, value: string): Promise<void> {
    this.storage.setItem(key, value);
  }

  async delete(key: string): Promise<void> {
    this.storage.removeItem(key);
  }
}

/**
 * A synchronous `StorageLike` over a `DocumentStore`: reads come from memory, writes go to memory at once and to the
 * store in order. A write the store refuses is reported to `onError` (the library's save cannot see it any more).
 */
export class CachedStorage implements StorageLike {
  private readonly onError: (error: unknown) => void;

  private readonly items = new Map<string, string>();
  private pending: Promise<void> = Promise.resolve();
  private failed = false;

  private readonly store: Promise<DocumentStore>;

  constructor(store: DocumentStore | Promise<DocumentStore>, onError: (error: unknown) => void = () => {}) {
    this.onError = onError;
    this.store = Promise.resolve(store);
  }

  /** Reads everything the store holds; call once before the first read. */
  async load(): Promise<void> {
    for (const [key, value] of await (await this.store).entries()) if (!this.items.has(key)) this.items.set(key, value);
  }

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
    this.enqueue(async () => (await this.store).put(key, value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
    this.enqueue(async () => (await this.store).delete(key));
  }

  /** Resolves once every write so far has reached the store; true when none was refused since the last call. */
  async settled(): Promise<boolean> {
    await this.pending;
    const ok = !this.failed;
    this.failed = false;
    return ok;
  }

  private enqueue(write: () => Promise<void>): void {
    this.pending = this.pending.then(write).catch((error: unknown) => {
      this.failed = true;
      this.onError(error);
    });
  }
}

/**
 * Moves the library's items from localStorage into `target`, once: they are removed from localStorage only after
 * IndexedDB has them, and items IndexedDB already holds (written by this version) are never overwritten.
 */
export async function migrateFromWebStorage(storage: Storage, target: DocumentStore): Promise<void> {
  const old = await new WebStorageStore(storage).entries();
  if (old.length === 0) return;
  const present = new Set((await target.entries()).map(([key]) => key));
  for (const [key, value] of old) if (!present.has(key)) await target.put(key, value);
  for (const [key] of old) storage.removeItem(key);
}

/** The browser's document store: IndexedDB (after the one-time migration), else localStorage. */
export async function openBrowserStore(): Promise<DocumentStore> {
  try {
    const db = await IndexedDbStore.open();
    try {
      await migrateFromWebStorage(window.localStorage, db);
    } catch {
      // What could not be moved stays in localStorage, to be moved at the next start.
    }
    return db;
  } catch {
    return new WebStorageStore(window.localStorage);
  }
}
