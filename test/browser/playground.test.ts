/**
 * The playground in a real browser (Debian's chromium through playwright-core): a person tracks a
 * job to its four images (uploaded, in a gallery) and gets the DM with them; an admin sets the
 * review channel, a moderated job is posted there and Warn changes the post; a plain member is
 * refused /review. Screenshots of those states go to test/browser/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Playground } from '../../src/playground';
import { openPlayground, SCREENSHOTS, type BrowserSession } from './session';
import { expectGalleryPictures } from './gallery';

let session: BrowserSession;
let playground: Playground;
let page: Page;

beforeAll(async () => {
  session = await openPlayground({ width: 1440, height: 900 });
  ({ playground, page } = session);
}, 30_000);

afterAll(async () => {
  await session?.close();
});

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
const be = (name: string) => page.click(`[data-name="${name}"]`);
const goTo = (channel: string) => page.click(`.channel:text-is("${channel}")`);
const lastMessage = () => page.locator('.message').last();

/** Makes a job with a scenario button; its id lands in the composer's /track. */
async function makeJob(scenario: string): Promise<string> {
  await page.click(`[data-scenario="${scenario}"]`);
  const jobid = await page.inputValue('#opt-jobid');
  expect(jobid).toMatch(/-bot:midjourney$/);
  return jobid;
}

async function send(): Promise<void> {
  const before = await page.locator('.message').count();
  await page.click('#composer-send');
  await expect.poll(() => page.locator('.message').count()).toBeGreaterThan(before);
  expect(await page.textContent('#composer-error')).toBe('');
}

it('tracks a job to its four images and a DM, walks the admin review, and refuses a plain member', async () => {
  await page.click('[data-speed="20"]');
  await page.fill('#duration', '60');

  // A person tracks a job that completes.
  await be('Ada');
  await goTo('general');
  const jobid = await makeJob('completes');
  await send();
  // The answer to /track is the tracking message, for everyone.
  const tracking = page.locator('.message:not(.ephemeral)').filter({ hasText: jobid });
  await expect.poll(() => tracking.locator('.reply-line').textContent()).toMatch(/Ada\s*used\s*\/track/);
  const percentShown = async () => Number(/Rendering — (\d+)%/.exec((await tracking.textContent()) ?? '')?.[1] ?? NaN);
  await expect.poll(percentShown, { timeout: 10_000 }).toBeGreaterThan(0);
  const first = await percentShown();
  await shot('progress');
  await expect.poll(percentShown).toBeGreaterThan(first);
  // The progress embed becomes a Components V2 gallery of the four uploaded pictures (the grid would repeat them).
  await tracking.locator('.container h2', { hasText: 'Completed' }).waitFor();
  expect(await tracking.locator('.edited').count()).toBe(1);
  expect(await tracking.locator('.embed').count()).toBe(0);
  await expectGalleryPictures(tracking, ['Image 1', 'Image 2', 'Image 3', 'Image 4']);
  expect(await tracking.locator('[href*="cdn.midjourney.com"], [src*="cdn.midjourney.com"]').count()).toBe(0);
  await shot('completed');

  // …and hears of it by DM.
  await page.locator('#dm-count:text-is("1")').waitFor();
  await page.click('#dm-link');
  const dm = page.locator('.message', { hasText: jobid }).first();
  await expectGalleryPictures(dm, ['Image 1', 'Image 2', 'Image 3', 'Image 4']);
  await shot('dm');

  // Autocomplete offers the person's running jobs, as /untrack registers it.
  await goTo('general');
  await page.fill('#duration', '600');
  const running = await makeJob('completes');
  await send();
  await page.fill('#composer-input', '/untrack');
  await page.click('[data-command="untrack"]');
  await page.focus('#opt-jobid');
  await page.locator('.choices button', { hasText: running }).dispatchEvent('mousedown');
  expect(await page.inputValue('#opt-jobid')).toBe(running);
  await send();
  await expect.poll(() => lastMessage().textContent()).toMatch(/Stopped tracking/);
  await page.fill('#duration', '60');

  // An admin sets the review channel.
  await be('Cleo');
  await goTo('general');
  await page.fill('#composer-input', '/tracker-settings');
  await page.click('[data-command="tracker-settings"]');
  await page.selectOption('#subcommand', 'set');
  await page.selectOption('#opt-review_channel', { label: '#mod-review' });
  await send();
  await expect.poll(() => lastMessage().textContent()).toMatch(/Saved/);

  // A moderated job lands in #mod-review; Warn changes the post.
  await be('Ben');
  await makeJob('moderated');
  await send();
  await goTo('mod-review');
  await be('Cleo');
  const post = page.locator('.message').filter({ has: page.locator('button.btn:text-is("Warn")') }).last();
  await post.waitFor({ timeout: 10_000 });
  await shot('review-pending');
  await post.locator('button.btn:text-is("Warn")').click();
  await expect.poll(() => post.textContent()).toMatch(/Warned/);
  expect(await post.locator('button.btn:text-is("Warn")').isDisabled()).toBe(true);
  await shot('review-warned');

  // A plain member may not review.
  await be('Ada');
  await goTo('general');
  await page.fill('#composer-input', '/tr');
  expect(await page.locator('#command-picker [data-command]').allTextContents()).toEqual([expect.stringMatching(/^\/track[^-]/)]);
  await page.fill('#composer-input', '/review list');
  await page.keyboard.press('Enter');
  await expect.poll(() => lastMessage().textContent()).toMatch(/Only members with Manage Server[\s\S]*Only you can see this/);
  await shot('member-refused');

  expect(await page.locator('#violations').isHidden()).toBe(true);
  playground.discord.assertClean();
}, 60_000);

it('tracks a Google Flow image job, made with the upstream choice, to its picture', async () => {
  await page.click('[data-speed="20"]');
  await page.fill('#duration', '30');
  await be('Ada');
  await goTo('general');
  await page.selectOption('#upstream', 'google-flow');
  await page.click('[data-kind="image"]');
  expect(await page.locator('#scenario-buttons button').allTextContents()).toEqual(['Completes', 'Fails', 'Moderated', 'Not found (404)']);
  await page.click('[data-scenario="completes"]');
  const jobid = await page.inputValue('#opt-jobid');
  expect(jobid).toMatch(/^j\d+i-u\d+-email:.+-bot:google-flow$/);
  await expect.poll(() => page.locator('.jobs li').first().textContent()).toMatch(/Google Flow via useapi\.net · image · Completes/);
  await send();
  const tracking = page.locator('.message:not(.ephemeral)').filter({ hasText: jobid });
  await expect.poll(() => tracking.textContent(), { timeout: 15_000 }).toMatch(/Completed/);
  await expectGalleryPictures(tracking, ['Image 1']);
  expect(await tracking.locator('[href*="flow-content.google"], [src*="flow-content.google"]').count()).toBe(0);
  await tracking.scrollIntoViewIfNeeded();
  await shot('google-flow-completed');
  await page.selectOption('#upstream', 'midjourney');
  expect(await page.locator('#kind-row').isHidden()).toBe(true);
  playground.discord.assertClean();
}, 60_000);

it('shows a body the loopback Discord refuses in a red banner', async () => {
  const tooLongTitle = { embeds: [{ title: 'x'.repeat(300) }] };
  const refused = await fetch(`${playground.discord.apiUrl}/v10/channels/${await page.getAttribute('.channel.active', 'data-channel')}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${playground.discord.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(tooLongTitle),
  });
  expect(refused.status).toBe(400);
  await page.locator('#violations', { hasText: 'embeds[0].title' }).waitFor();
  await shot('violation');
  await page.click('#dismiss-violations');
  await page.locator('#violations').waitFor({ state: 'hidden' });
  expect(playground.discord.violations).toEqual([]);
}, 60_000);
