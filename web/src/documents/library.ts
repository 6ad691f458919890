/**
 * Pipelines kept in this browser's localStorage: an index of slots and one serialized document per slot, written
 * exactly as an export would write it. Takes a `Storage` so tests can hand it an in-memory one.
 */
import { serializePipeline, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { StoredPipeline } from '../store/documents-slice.ts';
import { emptyDocument, isBlankDocument } from '../store/operations.ts';

const INDEX_KEY = 'weir:pipelines';
const CURRENT_KEY = 'weir:current';
const DOC_PREFIX = 'weir:pipeline:';

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export class PipelineLibrary {
  private readonly storage: StorageLike;

  constructor(storage: StorageLike) {
    this.storage = storage;
  }

  list(): StoredPipeline[] {
    try {
      const parsed = JSON.parse(this.storage.getItem(INDEX_KEY) ?? '[]') as unknown;
      return Array.isArray(parsed)
        ? (parsed as StoredPipeline[]).slice().sort((a, b) => b.updatedAt - a.updatedAt)
        : [];
    } catch {
      return [];
    }
  }

  load(key: string): PipelineDoc | null {
    const text = this.storage.getItem(DOC_PREFIX + key);
    if (text === null) return null;
    try {
      return JSON.parse(text) as PipelineDoc;
    } catch {
      return null;
    }
  }

  /** Saves `doc` to slot `key`; false when the browser refused (storage full or disabled). */
  save(key: string, doc: PipelineDoc, now = Date.now()): boolean {
    try {
      this.storage.setItem(DOC_PREFIX + key, serializePipeline(doc));
      const entry: StoredPipeline = { key, id: doc.id, name: doc.name, updatedAt: now };
      this.storage.setItem(INDEX_KEY, JSON.stringify([entry, ...this.list().filter((e) => e.key !== key)]));
      return true;
    } catch {
      return false;
    }
  }

  remove(key: string): void {
    this.storage.removeItem(DOC_PREFIX + key);
    this.storage.setItem(INDEX_KEY, JSON.stringify(this.list().filter((e) => e.key !== key)));
    if (this.current() === key) this.storage.removeItem(CURRENT_KEY);
  }

  /**
   * Removes every stored pipeline that holds nothing of the author's (earlier versions saved the empty untitled
   * document of a first visit), reading only the slots whose name can be that of a blank one.
   */
  pruneBlank(): void {
    const blankName = emptyDocument().name;
    for (const entry of this.list()) {
      if (entry.name !== blankName) continue;
      const doc = this.load(entry.key);
      if (doc !== null && isBlankDocument(doc)) this.remove(entry.key);
    }
  }

  has(key: string): boolean {
    return this.storage.getItem(DOC_PREFIX + key) !== null;
  }

  current(): string | null {
    return this.storage.getItem(CURRENT_KEY);
  }

  setCurrent(key: string): void {
    this.storage.setItem(CURRENT_KEY, key);
  }

  /** A slot key not used yet. */
  newKey(now = Date.now()): string {
    const taken = new Set(this.list().map((e) => e.key));
    for (let n = 0; ; n++) {
      const key = `p${now.toString(36)}${n === 0 ? '' : `-${n}`}`;
      if (!taken.has(key)) return key;
    }
  }

  /** A pipeline id (SPEC §1 pattern) that no stored pipeline uses: `base`, `base-2`, … */
  freeId(base: string): string {
    const taken = new Set(this.list().map((e) => e.id));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}
