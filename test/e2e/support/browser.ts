/**
 * Debian's Chromium driven by playwright-core, and screenshots into test-artifacts/ (gitignored) so a person can
 * look at what the tests saw.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PATIENCE_MS } from '../../patience.ts';
import { repoRoot } from './build.ts';

export const CHROMIUM = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'test-artifacts');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged, its Content-Security-Policy violations included; a test can assert there were none. */
  errors: string[];
}

/**
 * Logs each Content-Security-Policy violation of the page as an error, in one line a test can match. (A worker's
 * violations do not reach the page: a worker that its policy stops shows in what the test expects of its work.)
 */
function reportViolations(): void {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(
      `Content-Security-Policy violation: ${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
    );
  });
}

export async function openApp(browser: Browser, url: string): Promise<AppPage> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    deviceScaleFactor: 1,
  });
  // Playwright's waits end as soon as what they wait for happens; only a page that never gets there should fail.
  context.setDefaultTimeout(PATIENCE_MS);
  await context.addInitScript(reportViolations);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(url);
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
