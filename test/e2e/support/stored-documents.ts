/** The pipelines the app keeps in the browser's IndexedDB (database `weir`, store `documents`), read in the page. */
import type { Page } from 'playwright-core';

/** One stored item (`weir:pipelines`, `weir:current`, `weir:pipeline:<key>`), or null; after pending writes land. */
export function storedItem(page: Page, key: string): Promise<string | null> {
  return page.evaluate(async (k) => {
    await (window as unknown as { weir: { documentsSaved(): Promise<boolean> } }).weir.documentsSaved();
    return new Promise<string | null>((resolve, reject) => {
      const opening = indexedDB.open('weir');
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const get = db.transaction('documents', 'readonly').objectStore('documents').get(k);
        get.onsuccess = () => {
          db.close();
          resolve((get.result as string | undefined) ?? null);
        };
        get.onerror = () => reject(get.error);
      };
    });
  }, key);
}

/** The names in the index of stored pipelines. */
export async function storedNames(page: Page): Promise<string[]> {
  const index = JSON.parse((await storedItem(page, 'weir:pipelines')) ?? '[]') as Array<{ name: string }>;
  return index.map((e) => e.name);
}
