/**
 * Message objects as Discord returns them: built from request bodies (create, then partial edits),
 * with the response-only details Discord adds (embed type, component ids, attachment objects).
 */
import { isObject, type ApiMessage, type FakeUser, type JsonObject } from './types';

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  IsComponentsV2: 1 << 15,
} as const;

export const MessageType = {
  Default: 0,
  ChatInputCommand: 20,
} as const;

export interface UploadedFile {
  field: string;
  name: string;
  size: number;
  contentType: string;
  data: Buffer;
}

/** A user object with every field Discord's user response has. */
export function userObject(user: FakeUser, bot = false): JsonObject {
  return {
    id: user.id,
    username: user.username ?? `user${user.id.slice(-4)}`,
    global_name: user.globalName ?? null,
    discriminator: bot ? '0000' : '0',
    avatar: null,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
    public_flags: 0,
    flags: 0,
    ...(bot ? { bot: true } : {}),
  };
}

export interface NewMessage {
  id: string;
  channelId: string;
  author: JsonObject;
  body: JsonObject;
  type: number;
  /** Flags forced on top of the body's (ephemeral, loading). */
  extraFlags?: number;
  attachments: JsonObject[];
  extra?: JsonObject;
  now: number;
}

export function buildMessage(m: NewMessage): ApiMessage {
  const body = m.body;
  const message: ApiMessage = {
    id: m.id,
    channel_id: m.channelId,
    author: m.author,
    content: typeof body.content === 'string' ? body.content : '',
    timestamp: new Date(m.now).toISOString(),
    edited_timestamp: null,
    tts: body.tts === true,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: m.attachments,
    embeds: normalizeEmbeds(body.embeds),
    components: normalizeComponents(body.components, m.attachments),
    pinned: false,
    type: m.type,
    flags: (typeof body.flags === 'number' ? body.flags : 0) | (m.extraFlags ?? 0),
    ...m.extra,
  };
  if (typeof body.nonce === 'string' || typeof body.nonce === 'number') message.nonce = body.nonce;
  return message;
}

/**
 * The message after a partial edit (fields present replace, absent ones stay, null clears); the
 * original is left as it was. `keep`: the existing attachments the body lists (null: it lists
 * none, all stay); new uploads are appended.
 */
export function editedMessage(message: ApiMessage, body: JsonObject, keep: Set<string> | null, uploads: JsonObject[], now: number): ApiMessage {
  const out: ApiMessage = { ...message };
  if ('content' in body) out.content = typeof body.content === 'string' ? body.content : '';
  if ('embeds' in body) out.embeds = normalizeEmbeds(body.embeds);
  out.attachments = [...(keep ? message.attachments.filter((a) => keep.has(String(a.id))) : message.attachments), ...uploads];
  if ('components' in body) out.components = normalizeComponents(body.components, out.attachments);
  if (typeof body.flags === 'number') out.flags = body.flags | (message.flags & MessageFlag.Ephemeral);
  out.flags &= ~MessageFlag.Loading;
  out.edited_timestamp = new Date(now).toISOString();
  return out;
}

function normalizeEmbeds(embeds: unknown): JsonObject[] {
  if (!Array.isArray(embeds)) return [];
  return embeds.filter(isObject).map((embed) => {
    const out = dropNulls(embed);
    out.type ??= 'rich';
    if (Array.isArray(out.fields)) {
      out.fields = out.fields.filter(isObject).map((f) => ({ ...dropNulls(f), inline: f.inline === true }));
    }
    for (const media of ['image', 'thumbnail'] as const) {
      if (isObject(out[media])) out[media] = { ...out[media], proxy_url: out[media].url, width: 0, height: 0 };
    }
    return out;
  });
}

/**
 * Drops nulls and gives every component a numeric `id`, as Discord does in its answers; V2
 * components get the fields Discord fills in, and `attachment://name` media the attachment's URL.
 */
function normalizeComponents(components: unknown, attachments: readonly JsonObject[]): JsonObject[] {
  if (!Array.isArray(components)) return [];
  let next = 1;
  const media = (value: unknown): JsonObject => {
    const url = isObject(value) && typeof value.url === 'string' ? value.url : '';
    const name = /^attachment:\/\/(.+)$/.exec(url)?.[1];
    const attachment = name === undefined ? undefined : attachments.find((a) => a.filename === name);
    if (!attachment) return { id: '0', url, proxy_url: url, width: null, height: null, content_type: null };
    return { id: attachment.id, url: attachment.url, proxy_url: attachment.proxy_url, width: null, height: null, content_type: attachment.content_type ?? null, attachment_id: attachment.id };
  };
  const walk = (component: JsonObject): JsonObject => {
    const out = dropNulls(component);
    out.id ??= next;
    next = Math.max(next, Number(out.id)) + 1;
    if (Array.isArray(out.components)) out.components = out.components.filter(isObject).map(walk);
    if (isObject(out.accessory)) out.accessory = walk(out.accessory);
    switch (out.type) {
      case 17:
        out.accent_color ??= null;
        out.spoiler ??= false;
        break;
      case 11:
        Object.assign(out, { media: media(out.media), description: out.description ?? null, spoiler: out.spoiler ?? false });
        break;
      case 12:
        out.items = (Array.isArray(out.items) ? out.items.filter(isObject) : []).map((item) => ({
          media: media(item.media),
          description: item.description ?? null,
          spoiler: item.spoiler ?? false,
        }));
        break;
      case 14:
        out.spacing ??= 1;
        out.divider ??= true;
        break;
    }
    return out;
  };
  return components.filter(isObject).map(walk);
}

function dropNulls(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * Readable text of a message: content, then per embed its author, title, description, fields
 * ("name: value") and footer, then the text of components v2 text displays; one per line.
 */
export function messageText(message: { content?: unknown; embeds?: unknown; components?: unknown }): string {
  const lines: string[] = [];
  const push = (value: unknown) => {
    if (typeof value === 'string' && value.length > 0) lines.push(value);
  };
  push(message.content);
  for (const embed of Array.isArray(message.embeds) ? message.embeds.filter(isObject) : []) {
    if (isObject(embed.author)) push(embed.author.name);
    push(embed.title);
    push(embed.description);
    for (const field of Array.isArray(embed.fields) ? embed.fields.filter(isObject) : []) {
      push(`${String(field.name)}: ${String(field.value)}`);
    }
    if (isObject(embed.footer)) push(embed.footer.text);
  }
  const walk = (components: unknown) => {
    for (const c of Array.isArray(components) ? components.filter(isObject) : []) {
      if (c.type === 10) push(c.content);
      walk(c.components);
    }
  };
  walk(message.components);
  return lines.join('\n');
}
