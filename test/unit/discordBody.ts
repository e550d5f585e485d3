/** Shared checks for view tests: a message body Discord would accept, within every limit. */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import { MessageCreateRequestSchema } from 'discord-api-spec/zod';
import { expect } from 'vitest';
import { DISCORD_LIMITS, embedsLength } from '../../src/discord/views/limits';

export interface Body {
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIButtonComponent>[];
  content?: string;
}

/** A lone UTF-16 surrogate: Discord rejects text that holds one. */
export const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => allStrings(x, out));
  return out;
}

type Button = { type: number; style: number; label?: string; custom_id?: string; url?: string };

/**
 * Every limit of ours and Discord's own schema. `buttons` says which kind the view must use:
 * link buttons (style 5, an https url, no custom_id) or action buttons (styles 1/2/4, unique custom_ids).
 */
export function expectWithinLimits(body: Body, buttons: 'link' | 'action'): void {
  const L = DISCORD_LIMITS;
  const embeds = body.embeds ?? [];
  expect(embeds.length).toBeLessThanOrEqual(L.embeds);
  for (const e of embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(L.title);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(L.description);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(L.fields);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(L.fieldName);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.value.length).toBeLessThanOrEqual(L.fieldValue);
    }
    expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(L.footer);
    if (e.color !== undefined) expect(e.color).toBeGreaterThanOrEqual(0);
  }
  expect(embedsLength(embeds)).toBeLessThanOrEqual(L.total);
  if (body.content !== undefined) expect(body.content.length).toBeLessThanOrEqual(L.content);
  const rows = body.components ?? [];
  expect(rows.length).toBeLessThanOrEqual(L.rows);
  const ids = new Set<string>();
  for (const row of rows) {
    expect(row.type).toBe(1);
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(L.buttonsPerRow);
    for (const raw of row.components) {
      const b = raw as Button;
      expect(b.type).toBe(2);
      expect(b.label!.length).toBeGreaterThan(0);
      expect(b.label!.length).toBeLessThanOrEqual(L.buttonLabel);
      if (buttons === 'link') {
        expect(b.style).toBe(5);
        expect(b).not.toHaveProperty('custom_id');
        expect(b.url).toMatch(/^https:\/\//);
        expect(b.url!.length).toBeLessThanOrEqual(L.buttonUrl);
      } else {
        expect([1, 2, 4]).toContain(b.style);
        expect(b.url).toBeUndefined();
        expect(b.custom_id!.length).toBeGreaterThan(0);
        expect(b.custom_id!.length).toBeLessThanOrEqual(100);
        expect(ids.has(b.custom_id!)).toBe(false); // Discord wants custom_ids unique per message
        ids.add(b.custom_id!);
      }
    }
  }
  for (const s of allStrings(body)) expect(LONE.test(s)).toBe(false);
  const res = MessageCreateRequestSchema.safeParse(body);
  if (!res.success) throw new Error(`Discord schema rejects the body: ${JSON.stringify(res.error)}`);
}
