import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startPlayground, type Playground } from '../../src/playground';
import { findChromium } from './chromium';

export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

export interface BrowserSession {
  playground: Playground;
  page: Page;
  close(): Promise<void>;
}

/** The playground on a free port with its own database, and Debian's chromium on its page, ready. */
export async function openPlayground(viewport: { width: number; height: number }): Promise<BrowserSession> {
  const executablePath = findChromium();
  const dir = mkdtempSync(join(tmpdir(), 'playground-browser-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const [playground, browser] = await Promise.all([
    startPlayground({ port: 0, databasePath: join(dir, 'playground.db'), pollIntervalMs: 100, logLevel: 'silent' }),
    chromium.launch({ executablePath }),
  ]);
  const close = async () => {
    await browser.close();
    await playground.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(10_000);
    await page.goto(playground.url);
    await page.waitForSelector('body[data-ready=true]');
    return { playground, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
