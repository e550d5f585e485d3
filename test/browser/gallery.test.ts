/**
 * The re-hosted result in a real browser: a completed Midjourney job's four pictures, downloaded by
 * the bot from the playground's media CDN, uploaded to the loopback Discord and shown as a Components
 * V2 gallery in #general and in the DM. Screenshots: gallery.png (in the README), gallery-dm.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../src/playground';
import { findChromium } from './chromium';
import { expectGalleryPictures } from './gallery';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const FOUR = ['Image 1', 'Image 2', 'Image 3', 'Image 4'];

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

it('shows the uploaded pictures in a gallery in the channel and the DM', async () => {
  await page.click('[data-speed="20"]');
  await page.fill('#duration', '60');
  await page.click('[data-name="Ada"]');
  await page.click('.channel:text-is("general")');
  await page.click('[data-scenario="completes"]');
  const jobid = await page.inputValue('#opt-jobid');
  await page.fill('#composer-input', '/track');
  await page.click('#composer-send');

  const tracking = page.locator('.message:not(.ephemeral)').filter({ hasText: jobid });
  await tracking.locator('.container h2', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
  await expectGalleryPictures(tracking, FOUR);
  expect(await tracking.locator('[href*="cdn.midjourney.com"], [src*="cdn.midjourney.com"]').count()).toBe(0);
  await tracking.screenshot({ path: join(SCREENSHOTS, 'gallery.png') });

  await page.locator('#dm-count:text-is("1")').waitFor({ timeout: 15_000 });
  await page.click('#dm-link');
  const dm = page.locator('.message').filter({ hasText: jobid });
  await expectGalleryPictures(dm, FOUR);
  expect(await dm.textContent()).toMatch(/Open the tracking message/);
  await dm.screenshot({ path: join(SCREENSHOTS, 'gallery-dm.png') });
}, 60_000);
