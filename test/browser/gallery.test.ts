/**
 * The re-hosted result in a real browser: a completed Midjourney job's four pictures, downloaded by
 * the bot from the playground's media CDN, uploaded to the loopback Discord and shown as a Components
 * V2 gallery in #general and in the DM. Screenshots: gallery.png (in the README), gallery-dm.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPlayground, SCREENSHOTS, type BrowserSession } from './session';
import { expectGalleryPictures } from './gallery';

const FOUR = ['Image 1', 'Image 2', 'Image 3', 'Image 4'];

let session: BrowserSession;
let page: Page;

beforeAll(async () => {
  session = await openPlayground({ width: 1280, height: 1000 });
  ({ page } = session);
}, 30_000);

afterAll(async () => {
  await session?.close();
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
