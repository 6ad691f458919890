/**
 * The current document's life in the browser: restored on load, autosaved (debounced) to its slot, replaced by New,
 * Open, Import and Templates. Each opened document gets a slot of its own, so opening one never overwrites another.
 * A blank document (New, before the first edit) is not stored: it would only clutter the Open list.
 */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { WeirStore } from '../store/index.ts';
import { emptyDocument, isBlankDocument } from '../store/operations.ts';
import { PipelineLibrary, type StorageLike } from './library.ts';
import { problemLines, readPipelineText } from './files.ts';

const AUTOSAVE_DELAY_MS = 400;

export const SAVE_REFUSED =
  'This browser refused to save the pipeline (storage full or disabled). Export it to keep your work.';

export class DocumentSession {
  private readonly store: WeirStore;

  private readonly library: PipelineLibrary;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(store: WeirStore, storage: StorageLike) {
    this.store = store;
    this.library = new PipelineLibrary(storage);
  }

  /** Restores the document the user last worked on, or starts an empty one; then saves every change. */
  start(): void {
    this.library.pruneBlank();
    const key = this.library.current();
    const doc = key === null ? null : this.library.load(key);
    if (key !== null && doc !== null) this.show(key, doc);
    else this.newPipeline();
    this.unsubscribe = this.store.subscribe((state, previous) => {
      if (state.document !== previous.document) this.scheduleSave();
    });
  }

  stop(): void {
    this.flush();
    this.unsubscribe?.();
  }

  /** Writes a pending change now (the page is being hidden or closed). */
  flush(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.save();
  }

  /** Starts a blank document in a slot of its own, which is written at the first edit. */
  newPipeline(): void {
    this.flush();
    this.show(this.library.newKey(), emptyDocument(this.library.freeId('untitled')));
  }

  openStored(key: string): void {
    this.flush();
    const doc = this.library.load(key);
    if (!doc) {
      this.store
        .getState()
        .showNotice({ tone: 'error', title: 'That pipeline could not be read from this browser’s storage.' });
      this.refreshList();
      return;
    }
    this.show(key, doc);
  }

  removeStored(key: string): void {
    this.library.remove(key);
    if (key === this.store.getState().documentKey) this.newPipeline();
    else this.refreshList();
  }

  /** Opens a template as a new document of its own. */
  openTemplate(template: PipelineDoc): void {
    this.flush();
    this.openAsNew(structuredClone(template));
  }

  /** Imports pipeline text (a .weir.json file); problems are shown, and the document kept whenever it can be drawn. */
  importText(text: string, fileName: string): boolean {
    this.flush();
    const result = readPipelineText(text);
    const { showNotice } = this.store.getState();
    if (!result.ok) {
      showNotice({ tone: 'error', title: `${fileName} could not be opened`, lines: problemLines(result.problems) });
      return false;
    }
    this.openAsNew(result.doc);
    showNotice(
      result.problems.length === 0
        ? { tone: 'success', title: `Imported ${fileName}` }
        : {
            tone: 'info',
            title: `Imported ${fileName} with ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
            lines: problemLines(result.problems),
          },
    );
    return true;
  }

  private openAsNew(doc: PipelineDoc): void {
    const key = this.library.newKey();
    this.library.save(key, doc);
    this.show(key, doc);
  }

  private show(key: string, doc: PipelineDoc): void {
    this.library.setCurrent(key);
    const state = this.store.getState();
    state.loadDocument(doc);
    state.showNotice(null);
    state.setStoredPipelines(this.library.list(), key);
  }

  private scheduleSave(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, AUTOSAVE_DELAY_MS);
  }

  private save(): void {
    const { documentKey, document, showNotice } = this.store.getState();
    if (documentKey === null) return;
    // Back to blank (every node deleted from a new document): nothing is left worth listing.
    if (isBlankDocument(document)) {
      if (this.library.has(documentKey)) {
        this.library.remove(documentKey);
        this.library.setCurrent(documentKey);
      }
    } else if (!this.library.save(documentKey, document)) showNotice({ tone: 'error', title: SAVE_REFUSED });
    this.refreshList();
  }

  private refreshList(): void {
    this.store.getState().setStoredPipelines(this.library.list());
  }
}
