import { describe, it, expect } from 'vitest';
import { CachedStorage, migrateFromWebStorage, type DocumentStore } from '../../web/src/documents/document-store.ts';
import { PipelineLibrary } from '../../web/src/documents/library.ts';
import { createWeirStore } from '../../web/src/store/index.ts';
import { DocumentSession, SAVE_REFUSED } from '../../web/src/documents/session.ts';
import { serializePipeline, type PipelineDoc } from '../../shared/pipeline/types.ts';

/** An asynchronous store in memory, standing in for IndexedDB; `refuse` makes every write fail (quota exceeded). */
class MemoryStore implements DocumentStore {
  readonly items = new Map<string, string>();
  refuse = false;
  async entries() {
    return [...this.items];
  }
  async put(key: string, value: string) {
    await Promise.resolve();
    if (this.refuse) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(key, value);
  }
  async delete(key: string) {
    this.items.delete(key);
  }
}

/** localStorage's shape, in memory. */
class WebStorage implements Storage {
  private readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  clear() {
    this.map.clear();
  }
}

const bigDoc = (samples: number): PipelineDoc => ({
  format: 'weir/v1',
  id: 'big',
  name: 'Big',
  nodes: [
    {
      id: 'source1',
      type: 'source.kafka',
      params: { topic: 't' },
      samples: Array.from({ length: samples }, (_, i) => ({ value: { n: i, ts: i * 10 } })),
    },
  ],
  edges: [],
});

describe('document storage over an asynchronous store (IndexedDB in the browser)', () => {
  it('writes through in order and reads everything back in a new session', async () => {
    const store = new MemoryStore();
    const storage = new CachedStorage(store);
    await storage.load();
    const library = new PipelineLibrary(storage);
    const doc = bigDoc(100_000);
    expect(library.save('k1', doc, 1000)).toBe(true);
    library.setCurrent('k1');
    library.save('k1', { ...doc, name: 'Bigger' }, 2000);
    await expect(storage.settled()).resolves.toBe(true);

    const again = new CachedStorage(store);
    await again.load();
    const reopened = new PipelineLibrary(again);
    expect(reopened.current()).toBe('k1');
    expect(reopened.list().map((e) => e.name)).toEqual(['Bigger']);
    expect(reopened.load('k1')!.nodes[0]!.samples).toHaveLength(100_000);
    expect(store.items.get('weir:pipeline:k1')).toBe(serializePipeline({ ...doc, name: 'Bigger' }));
  });

  it('reports a refused write with the notice the library’s save used to give', async () => {
    const store = new MemoryStore();
    const weir = createWeirStore();
    const storage = new CachedStorage(store, () => weir.getState().showNotice({ tone: 'error', title: SAVE_REFUSED }));
    await storage.load();
    const session = new DocumentSession(weir, storage);
    session.start();
    store.refuse = true;
    weir.getState().addNode('filter', { x: 0, y: 0 });
    session.flush();
    session.stop();
    await expect(storage.settled()).resolves.toBe(false);
    expect(weir.getState().notice?.title).toBe(SAVE_REFUSED);
  });

  it('moves what localStorage held into the store once, without overwriting what the store has', async () => {
    const local = new WebStorage();
    const old = new PipelineLibrary(local);
    old.save('old', { ...bigDoc(3), name: 'Old' }, 1000);
    old.setCurrent('old');
    local.setItem('weir:inspector-width', '320');
    const store = new MemoryStore();
    await migrateFromWebStorage(local, store);
    expect([...store.items.keys()].sort()).toEqual(['weir:current', 'weir:pipeline:old', 'weir:pipelines']);
    // Only the library's items leave localStorage.
    expect(local.getItem('weir:pipelines')).toBeNull();
    expect(local.getItem('weir:inspector-width')).toBe('320');

    local.setItem('weir:current', 'stale');
    await migrateFromWebStorage(local, store);
    expect(store.items.get('weir:current')).toBe('old');

    const storage = new CachedStorage(store);
    await storage.load();
    const weir = createWeirStore();
    new DocumentSession(weir, storage).start();
    expect(weir.getState().document.name).toBe('Old');
    expect(weir.getState().document.nodes[0]!.samples).toHaveLength(3);
  });
});
