/**
 * The browser app's document session, over this browser's IndexedDB (localStorage where IndexedDB cannot be opened).
 * `documentStorage.load()` must resolve before `documentSession.start()`.
 */
import { weirStore } from '../store/index.ts';
import { CachedStorage, openBrowserStore } from './document-store.ts';
import { DocumentSession, SAVE_REFUSED } from './session.ts';

export const documentStorage = new CachedStorage(openBrowserStore(), () =>
  weirStore.getState().showNotice({ tone: 'error', title: SAVE_REFUSED }),
);
export const documentSession = new DocumentSession(weirStore, documentStorage);
