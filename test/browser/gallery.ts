/** What the playground page shows of a Components V2 gallery, checked the same way by the browser tests. */
import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/** The message's media gallery holds these pictures (by their alt text), each loaded from its file uploaded to the loopback Discord. */
export async function expectGalleryPictures(message: Locator, alts: string[]): Promise<void> {
  const pictures = message.locator('.gallery img');
  await expect.poll(() => pictures.evaluateAll((imgs) => imgs.map((img) => (img as unknown as { alt: string }).alt)), { timeout: 15_000 }).toEqual(alts);
  for (const img of await pictures.all()) {
    expect(await img.getAttribute('src')).toMatch(/^\/media\?url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fattachments%2F/);
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  }
}
