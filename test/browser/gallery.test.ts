/**
 * The re-hosted result in a real browser: a completed Midjourney job's four pictures (the
 * emulator's real PNGs, stored as the downloader stores them) uploaded to the loopback Discord and
 * shown as a Components V2 gallery in #general and in the DM. Screenshots: gallery.png, gallery-dm.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadJob } from '../../src/db/jobs';
import { requestMedia, saveResultFiles, type ResultFile } from '../../src/db/media';
import { startPlayground, type Playground } from '../../src/playground';
import { localMediaUrl } from '../../src/playground/useapi';
import { findChromium } from './chromium';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

let dir: string;
let playground: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const executablePath = findChromium();
  dir = mkdtempSync(join(tmpdir(), 'playground-gallery-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  [playground, browser] = await Promise.all([
    startPlayground({ port: 0, databasePath: join(dir, 'playground.db'), pollIntervalMs: 100, logLevel: 'silent' }),
    chromium.launch({ executablePath }),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(10_000);
  await page.goto(playground.url);
  await page.waitForSelector('body[data-ready=true]');
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The job's pictures fetched from the emulator, stored as the downloader stores them. */
async function storeFiles(jobid: string): Promise<void> {
  const db = playground.bot.db;
  const media = loadJob(db, jobid)!.reading!.media;
  const files: ResultFile[] = [];
  for (const [i, m] of media.entries()) {
    const local = localMediaUrl(playground.useapi.url, m.url);
    if (!local || m.kind !== 'image') continue;
    const bytes = Buffer.from(await (await fetch(local)).arrayBuffer());
    files.push({ position: i, name: m.role === 'grid' ? 'grid.png' : `image-${i}.png`, contentType: 'image/png', sourceIndex: i, kind: 'image', bytes });
  }
  saveResultFiles(db, jobid, files, null, Date.now());
}

it('shows the uploaded pictures in a gallery in the channel and the DM', async () => {
  await page.click('[data-speed="20"]');
  await page.fill('#duration', '60');
  await page.click('[data-name="Ada"]');
  await page.click('.channel:text-is("general")');
  await page.click('[data-scenario="completes"]');
  const jobid = await page.inputValue('#opt-jobid');
  await page.fill('#composer-input', '/track');
  await page.click('#composer-send');

  const db = playground.bot.db;
  await expect.poll(() => loadJob(db, jobid) !== undefined).toBe(true);
  requestMedia(db, jobid, Date.now());
  await expect.poll(() => loadJob(db, jobid)?.terminal, { timeout: 15_000 }).toBe(true);
  await storeFiles(jobid);

  const tracking = page.locator('.message:not(.ephemeral)').filter({ hasText: 'Completed' }).last();
  const pictures = tracking.locator('.gallery img');
  await expect.poll(() => pictures.count(), { timeout: 15_000 }).toBe(4);
  for (const img of await pictures.all()) {
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  }
  expect(await tracking.locator('a[href*="cdn.midjourney.com"]').count()).toBe(0);
  await tracking.screenshot({ path: join(SCREENSHOTS, 'gallery.png') });

  await page.locator('#dm-count:text-is("1")').waitFor({ timeout: 15_000 });
  await page.click('#dm-link');
  const dm = page.locator('.message').filter({ has: page.locator('.gallery img') }).last();
  await expect.poll(() => dm.locator('.gallery img').count()).toBe(4);
  expect(await dm.textContent()).toMatch(/Open the tracking message/);
  await dm.screenshot({ path: join(SCREENSHOTS, 'gallery-dm.png') });
}, 60_000);
