/** Limits of a message body that Discord's schema does not express (or expresses more loosely than Discord enforces for bots). */
import type { Path, Problem } from './problems';
import { isObject } from './types';

const MESSAGE_FLAG_IS_COMPONENTS_V2 = 1 << 15;
const LINK_BUTTON = 5;
const PREMIUM_BUTTON = 6;

/** Content, embed and component limits of one message body. */
export function checkMessageLimits(body: unknown, at: Path, isCreate: boolean): Problem[] {
  const problems: Problem[] = [];
  if (!isObject(body)) return problems;
  const max = (path: Path, value: unknown, limit: number) => {
    if (typeof value === 'string' && value.length > limit) {
      problems.push({ path: [...at, ...path], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${limit} or fewer in length (got ${value.length}).` });
    }
  };
  const required = (path: Path, value: unknown) => {
    if (typeof value !== 'string' || value.length === 0) {
      problems.push({ path: [...at, ...path], code: 'BASE_TYPE_REQUIRED', message: 'This field is required (non-empty).' });
    }
  };

  max(['content'], body.content, 2000);

  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (embeds.length > 10) problems.push({ path: [...at, 'embeds'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 10 or fewer in length (got ${embeds.length}).` });
  let total = 0;
  embeds.forEach((embed, i) => {
    if (!isObject(embed)) return;
    const count = (value: unknown) => (total += typeof value === 'string' ? value.length : 0);
    max(['embeds', i, 'title'], embed.title, 256);
    max(['embeds', i, 'description'], embed.description, 4096);
    count(embed.title);
    count(embed.description);
    if (isObject(embed.footer)) {
      max(['embeds', i, 'footer', 'text'], embed.footer.text, 2048);
      count(embed.footer.text);
    }
    if (isObject(embed.author)) {
      max(['embeds', i, 'author', 'name'], embed.author.name, 256);
      count(embed.author.name);
    }
    const fields = Array.isArray(embed.fields) ? embed.fields : [];
    if (fields.length > 25) problems.push({ path: [...at, 'embeds', i, 'fields'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 25 or fewer in length (got ${fields.length}).` });
    fields.forEach((field, j) => {
      if (!isObject(field)) return;
      required(['embeds', i, 'fields', j, 'name'], field.name);
      required(['embeds', i, 'fields', j, 'value'], field.value);
      max(['embeds', i, 'fields', j, 'name'], field.name, 256);
      max(['embeds', i, 'fields', j, 'value'], field.value, 1024);
      count(field.name);
      count(field.value);
    });
  });
  if (total > 6000) {
    problems.push({ path: [...at, 'embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of 6000 (got ${total}).` });
  }

  const flags = typeof body.flags === 'number' ? body.flags : 0;
  const components = Array.isArray(body.components) ? body.components : [];
  if (flags & MESSAGE_FLAG_IS_COMPONENTS_V2) {
    // Cleared (null, '' or []) is what an edit that turns the flag on must send.
    for (const field of ['content', 'embeds'] as const) {
      const value = body[field];
      if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) {
        problems.push({ path: [...at, field], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: `The '${field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2.` });
      }
    }
  }
  if ((flags & MESSAGE_FLAG_IS_COMPONENTS_V2) || components.some((c) => isObject(c) && c.type !== 1)) {
    problems.push(...checkComponentsV2(components, [...at, 'components']));
  } else {
    if (components.length > 5) problems.push({ path: [...at, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 5 or fewer action rows (got ${components.length}).` });
    problems.push(...checkActionRows(components, [...at, 'components']));
  }

  if (isCreate) {
    const has = (field: string) => {
      const value = body[field];
      return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== '';
    };
    if (!['content', 'embeds', 'components', 'attachments', 'sticker_ids', 'poll'].some(has)) {
      problems.push({ path: [...at], code: 'EMPTY_MESSAGE', message: 'Cannot send an empty message.' });
    }
  }
  return problems;
}

/** Limits of a Components V2 tree: 40 components in all (nested ones included), 4,000 characters of text displays. */
function checkComponentsV2(components: unknown[], at: Path): Problem[] {
  let count = 0;
  let text = 0;
  const walk = (list: unknown) => {
    for (const c of Array.isArray(list) ? list : []) {
      if (!isObject(c)) continue;
      count++;
      if (c.type === 10 && typeof c.content === 'string') text += c.content.length;
      walk(c.components);
      if (isObject(c.accessory)) walk([c.accessory]);
    }
  };
  walk(components);
  const problems: Problem[] = [];
  if (count > 40) problems.push({ path: at, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 40 or fewer components in total (got ${count}).` });
  if (text > 4000) problems.push({ path: at, code: 'COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED', message: `Text displays must hold 4000 or fewer characters in total (got ${text}).` });
  const rows = components.flatMap((c): unknown[] => (isObject(c) && c.type === 17 && Array.isArray(c.components) ? (c.components as unknown[]) : [c]));
  problems.push(...checkActionRows(rows.filter((c) => isObject(c) && c.type === 1), at));
  return problems;
}

function checkActionRows(rows: unknown[], at: Path): Problem[] {
  const problems: Problem[] = [];
  const customIds = new Set<string>();
  rows.forEach((row, r) => {
    if (!isObject(row) || row.type !== 1) return; // the schema reports a wrong row type
    const items = Array.isArray(row.components) ? row.components : [];
    const selects = items.filter((c) => isObject(c) && c.type !== 2).length;
    if (selects > 0 && items.length > 1) {
      problems.push({ path: [...at, r, 'components'], code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'A select menu must be alone in its action row.' });
    }
    if (items.length > 5) problems.push({ path: [...at, r, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 5 or fewer in length (got ${items.length}).` });
    items.forEach((item, i) => {
      if (!isObject(item)) return;
      const path = [...at, r, 'components', i];
      const customId = item.custom_id;
      if (typeof customId === 'string') {
        if (customId.length > 100) problems.push({ path: [...path, 'custom_id'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 100 or fewer in length (got ${customId.length}).` });
        if (customIds.has(customId)) problems.push({ path: [...path, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: `Component custom id "${customId}" is duplicated.` });
        customIds.add(customId);
      }
      if (item.type !== 2) return;
      const hasCustomId = customId !== undefined && customId !== null;
      const hasUrl = item.url !== undefined && item.url !== null;
      if (typeof item.label === 'string' && item.label.length > 80) {
        problems.push({ path: [...path, 'label'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 80 or fewer in length (got ${item.label.length}).` });
      }
      if (item.style === LINK_BUTTON) {
        if (!hasUrl) problems.push({ path: [...path, 'url'], code: 'BUTTON_URL_REQUIRED', message: 'A link button requires a url.' });
        if (hasCustomId) problems.push({ path: [...path, 'custom_id'], code: 'BUTTON_CUSTOM_ID_INVALID', message: 'A link button cannot have a custom_id.' });
        if (typeof item.url === 'string' && item.url.length > 512) problems.push({ path: [...path, 'url'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be 512 or fewer in length (got ${item.url.length}).` });
      } else if (item.style === PREMIUM_BUTTON) {
        if (!item.sku_id) problems.push({ path: [...path, 'sku_id'], code: 'BASE_TYPE_REQUIRED', message: 'A premium button requires a sku_id.' });
      } else {
        if (!hasCustomId) problems.push({ path: [...path, 'custom_id'], code: 'BASE_TYPE_REQUIRED', message: 'A non-link button requires a custom_id.' });
        if (hasUrl) problems.push({ path: [...path, 'url'], code: 'BUTTON_URL_INVALID', message: 'Only link buttons can have a url.' });
      }
      if (item.style !== PREMIUM_BUTTON && !item.label && !item.emoji) {
        problems.push({ path: [...path, 'label'], code: 'BUTTON_LABEL_REQUIRED', message: 'A button needs a label or an emoji.' });
      }
    });
  });
  return problems;
}
