/** The built web app served statically and open in Chromium at its first screen: the start of the suites that need no server API. */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openApp, type AppPage } from './browser.ts';
import { ensureBuilt } from './build.ts';
import { serveDist, type StaticServer } from './server.ts';

export interface StaticApp extends AppPage {
  /** Where the app is served. */
  url: string;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/** `watch` sees the page before it is ready, so it can listen for what the page does from the first screen on. */
export async function openStaticApp(watch?: (page: Page, url: string) => void): Promise<StaticApp> {
  ensureBuilt();
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
  };
  try {
    server = await serveDist();
    browser = await launchBrowser();
    const app = await openApp(browser, server.url);
    watch?.(app.page, server.url);
    await app.page.getByRole('region', { name: 'Getting started' }).waitFor();
    return { ...app, url: server.url, close };
  } catch (err) {
    await close();
    throw err;
  }
}
