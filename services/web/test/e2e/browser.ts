import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/**
 * Debian's Chromium driven by playwright-core, headless, with a fresh profile. Playwright insists on owning
 * `--user-data-dir`, so the fresh profile directory is passed as launchPersistentContext's userDataDir.
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
    viewport: { width: 1440, height: 1000 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A page whose uncaught errors are collected in `problems` (a test expects none). */
export type WatchedPage = Page & { problems: string[] };

/** A new tab of the shared browser, at the given viewport size. */
export async function openWatchedPage(browser: Browser, width: number, height: number): Promise<WatchedPage> {
  const page = (await browser.context.newPage()) as WatchedPage;
  await page.setViewportSize({ width, height });
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(error.message));
  return page;
}
