import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField } from 'discord.js';
import { truncate } from './text';

/** Discord's message limits the views stay within (lengths in UTF-16 code units). */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  /** Characters across title, description, fields, footer and author of all embeds in a message. */
  total: 6000,
  embeds: 10,
  content: 2000,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  buttonUrl: 512,
} as const;

/** The characters Discord counts towards the 6,000 limit for one embed. */
export function embedLength(embed: APIEmbed): number {
  let n = (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
  n += (embed.footer?.text?.length ?? 0) + (embed.author?.name?.length ?? 0);
  for (const f of embed.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** The characters Discord counts towards the 6,000 limit for a whole message. */
export function embedsLength(embeds: readonly APIEmbed[]): number {
  return embeds.reduce((n, e) => n + embedLength(e), 0);
}

/**
 * Last line of defence: cut every part of an embed to its own limit and the whole to `total`
 * characters (the description shrinks first, then field values from the last field up, then
 * fields are dropped). The views size their text on purpose before this; it only guarantees
 * Discord never answers 50035 whatever upstream sent.
 */
export function clampEmbed(embed: APIEmbed, total: number = DISCORD_LIMITS.total): APIEmbed {
  const L = DISCORD_LIMITS;
  const out: APIEmbed = { ...embed };
  if (out.title !== undefined) out.title = truncate(out.title, L.title);
  if (out.description !== undefined) out.description = truncate(out.description, L.description);
  if (out.footer) out.footer = { ...out.footer, text: truncate(out.footer.text, L.footer) };
  if (out.author) out.author = { ...out.author, name: truncate(out.author.name, L.author) };
  if (out.fields) {
    out.fields = out.fields.slice(0, L.fields).map((f) => ({
      ...f,
      name: truncate(f.name, L.fieldName) || '\u200B',
      value: truncate(f.value, L.fieldValue) || '\u200B',
    }));
  }
  let over = embedLength(out) - Math.max(0, total);
  if (over > 0 && out.description) {
    out.description = truncate(out.description, Math.max(0, out.description.length - over));
    if (!out.description) delete out.description;
    over = embedLength(out) - total;
  }
  if (over > 0 && out.fields) {
    const fields = [...out.fields];
    for (let i = fields.length - 1; i >= 0 && over > 0; i--) {
      const f = fields[i]!;
      const room = f.value.length - over;
      if (room >= 8) {
        fields[i] = { ...f, value: truncate(f.value, room) };
      } else {
        fields.splice(i, 1);
      }
      out.fields = fields;
      over = embedLength(out) - total;
    }
  }
  if (over > 0 && out.footer) {
    out.footer = { ...out.footer, text: truncate(out.footer.text, Math.max(1, out.footer.text.length - over)) };
    over = embedLength(out) - total;
  }
  if (over > 0 && out.title) out.title = truncate(out.title, Math.max(1, out.title.length - over));
  return out;
}

/** Button rows within limits: ≤5 rows, ≤5 buttons a row, no empty rows. */
export function clampRows(
  rows: APIActionRowComponent<APIButtonComponent>[],
): APIActionRowComponent<APIButtonComponent>[] {
  return rows
    .map((r) => ({ ...r, components: r.components.slice(0, DISCORD_LIMITS.buttonsPerRow) }))
    .filter((r) => r.components.length > 0)
    .slice(0, DISCORD_LIMITS.rows);
}

/**
 * Upstream details as embed fields within `room` characters (names and values) and `maxFields`
 * fields: each value up to 1,024, and when they do not all fit, an equal share each.
 */
export function fitFields(details: ReadonlyArray<{ name: string; value: string }>, room: number, maxFields: number): APIEmbedField[] {
  const L = DISCORD_LIMITS;
  const list = details.slice(0, Math.max(0, maxFields));
  const names = list.map((d) => truncate(d.name, L.fieldName) || 'Details');
  const namesLength = names.reduce((n, s) => n + s.length, 0);
  const wanted = list.reduce((n, d) => n + Math.min(d.value.length, L.fieldValue), 0);
  const perValue =
    namesLength + wanted <= room ? L.fieldValue : Math.max(16, Math.floor((room - namesLength) / Math.max(1, list.length)));
  return list.map((d, i) => ({ name: names[i]!, value: truncate(d.value, Math.min(L.fieldValue, perValue)) || '—', inline: false }));
}
