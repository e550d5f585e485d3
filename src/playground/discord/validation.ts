/**
 * Checks request bodies against Discord's own schemas (zod, generated from Discord's OpenAPI spec by
 * the `discord-api-spec` package) plus the limits the spec does not express, and checks that the
 * message objects the fake returns are what Discord would return.
 */
import * as spec from 'discord-api-spec/zod';
import * as z from 'zod/mini';
import type { JsonObject } from './types';

type Schema = z.ZodMiniType;
type Path = Array<string | number>;

export interface Problem {
  path: Path;
  /** Discord-style error code, e.g. BASE_TYPE_MAX_LENGTH. */
  code: string;
  message: string;
}

/** The kinds of request body the fake validates; each maps to an OpenAPI operation. */
export type BodyKind =
  | 'message-create'
  | 'message-edit'
  | 'webhook-message-edit'
  | 'webhook-execute'
  | 'interaction-callback'
  | 'create-dm'
  | 'commands-bulk-overwrite'
  | 'command-create';

interface BodyRule {
  /** operationId(s) in Discord's OpenAPI spec whose request body this is. */
  operationIds: string[];
  /** The schema, or a function choosing it from the body (interaction callbacks: by `type`). */
  schema: Schema | ((body: unknown) => Schema | Problem);
  /** Where message limits apply: the body itself, its `data` (callbacks), or nowhere. */
  message: 'body' | 'data' | 'none';
}

const callbackSchemas: Record<number, Schema> = {
  1: spec.PongInteractionCallbackRequestSchema,
  4: spec.CreateMessageInteractionCallbackRequestSchema,
  5: spec.CreateMessageInteractionCallbackRequestSchema,
  6: spec.UpdateMessageInteractionCallbackRequestSchema,
  7: spec.UpdateMessageInteractionCallbackRequestSchema,
  8: spec.ApplicationCommandAutocompleteCallbackRequestSchema,
  9: spec.ModalInteractionCallbackRequestSchema,
  12: spec.LaunchActivityInteractionCallbackRequestSchema,
};

function callbackSchema(body: unknown): Schema | Problem {
  const type = isObject(body) ? body.type : undefined;
  const schema = typeof type === 'number' ? callbackSchemas[type] : undefined;
  return schema ?? { path: ['type'], code: 'BASE_TYPE_CHOICES', message: `Value "${String(type)}" is not a valid interaction callback type.` };
}

/** Which schema checks which body. Exported so the mapping can be read (and reported) in one place. */
export const BODY_RULES: Record<BodyKind, BodyRule> = {
  'message-create': { operationIds: ['create_message'], schema: spec.MessageCreateRequestSchema, message: 'body' },
  'message-edit': { operationIds: ['update_message'], schema: spec.MessageEditRequestPartialSchema, message: 'body' },
  'webhook-message-edit': {
    operationIds: ['update_original_webhook_message', 'update_webhook_message'],
    schema: spec.IncomingWebhookUpdateRequestPartialSchema,
    message: 'body',
  },
  'webhook-execute': { operationIds: ['execute_webhook'], schema: spec.IncomingWebhookRequestPartialSchema, message: 'body' },
  'interaction-callback': { operationIds: ['create_interaction_response'], schema: callbackSchema, message: 'data' },
  'create-dm': { operationIds: ['create_dm'], schema: spec.CreatePrivateChannelRequestSchema, message: 'none' },
  'commands-bulk-overwrite': {
    operationIds: ['bulk_set_application_commands', 'bulk_set_guild_application_commands'],
    schema: z.array(spec.ApplicationCommandUpdateRequestSchema).check(z.maxLength(130)),
    message: 'none',
  },
  'command-create': {
    operationIds: ['create_application_command', 'create_guild_application_command'],
    schema: spec.ApplicationCommandCreateRequestSchema,
    message: 'none',
  },
};

/** All problems of a request body: schema issues, then Discord limits the schema does not carry. */
export function validateBody(kind: BodyKind, body: unknown): Problem[] {
  const rule = BODY_RULES[kind];
  const normalized = normalizeForSpec(body);
  const schema = typeof rule.schema === 'function' ? rule.schema(normalized) : rule.schema;
  if (!('safeParse' in schema)) return [schema];
  const result = schema.safeParse(normalized);
  const problems = result.success ? [] : issuesToProblems(result.error.issues, normalized);

  if (rule.message === 'body') problems.push(...checkMessageLimits(body, [], kind === 'message-create'));
  if (rule.message === 'data' && isObject(body) && isObject(body.data) && (body.type === 4 || body.type === 7)) {
    problems.push(...checkMessageLimits(body.data, ['data'], body.type === 4));
  }
  return dedupe(problems);
}

/**
 * Where the spec and what Discord accepts (and discord.js sends) disagree, bring the body to the
 * spec's form before checking. `default_member_permissions` is a number in the spec; Discord takes
 * (and discord.js's builders send) a string of digits.
 */
function normalizeForSpec(body: unknown): unknown {
  const fix = (command: unknown): unknown => {
    if (isObject(command) && typeof command.default_member_permissions === 'string' && /^\d+$/.test(command.default_member_permissions)) {
      return { ...command, default_member_permissions: Number(command.default_member_permissions) };
    }
    return command;
  };
  return Array.isArray(body) ? body.map(fix) : fix(body);
}

// ---------------------------------------------------------------------------------------------
// Limits the schema does not express (or expresses more loosely than Discord enforces for bots)

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
    for (const field of ['content', 'embeds'] as const) {
      if (body[field] !== undefined && body[field] !== null && body[field] !== '') {
        problems.push({ path: [...at, field], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: `The '${field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2.` });
      }
    }
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

// ---------------------------------------------------------------------------------------------
// Self-check of what the fake answers

/** Problems of a message object the fake is about to return (an emulator bug if any). */
export function checkResponseMessage(message: unknown): Problem[] {
  const result = spec.MessageResponseSchema.safeParse(message);
  return result.success ? [] : issuesToProblems(result.error.issues, message);
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** `embeds[0].title: Must be 256 or fewer in length (got 300).` */
export function formatProblem(problem: Problem): string {
  return `${formatPath(problem.path) || '(body)'}: ${problem.message}`;
}

export function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** Discord's nested `errors` object of a 50035 answer: { embeds: { 0: { title: { _errors: [...] } } } }. */
export function toDiscordErrors(problems: Problem[]): JsonObject {
  const root: JsonObject = {};
  for (const problem of problems) {
    let node = root;
    for (const part of problem.path) {
      const key = String(part);
      node[key] = isObject(node[key]) ? node[key] : {};
      node = node[key] as JsonObject;
    }
    const list = Array.isArray(node._errors) ? (node._errors as unknown[]) : (node._errors = []);
    list.push({ code: problem.code, message: problem.message });
  }
  return root;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  maximum?: unknown;
  minimum?: unknown;
  values?: unknown[];
  format?: string;
  keys?: string[];
  errors?: Issue[][];
}

function issuesToProblems(issues: readonly Issue[], input: unknown, base: Path = []): Problem[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
      // Report the branch that got furthest: the one whose `type` discriminator matched, if any.
      const branches = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 1 && i.path[0] === 'type'));
      const best = (branches.length > 0 ? branches : issue.errors).reduce((a, b) => (b.length < a.length ? b : a));
      if (branches.length === 1 && best.length > 0) return issuesToProblems(best, input, path);
      return [{ path, code: 'UNION_TYPE_CHOICES', message: `Matches none of the allowed shapes (${describeType(valueAt(input, path))}).` }];
    }
    return [{ path, code: discordCode(issue), message: describeIssue(issue, valueAt(input, path)) }];
  });
}

function describeIssue(issue: Issue, value: unknown): string {
  const got = describeType(value);
  switch (issue.code) {
    case 'too_big':
      return typeof value === 'string' || Array.isArray(value)
        ? `Must be ${String(issue.maximum)} or fewer in length (got ${value.length}).`
        : `Must be at most ${String(issue.maximum)} (got ${got}).`;
    case 'too_small':
      return typeof value === 'string' || Array.isArray(value)
        ? `Must be ${String(issue.minimum)} or more in length (got ${value.length}).`
        : `Must be at least ${String(issue.minimum)} (got ${got}).`;
    case 'invalid_type':
      return value === undefined ? 'This field is required.' : `Expected ${String(issue.expected)}, got ${got}.`;
    case 'invalid_value':
      return `Must be one of ${JSON.stringify(issue.values)} (got ${got}).`;
    case 'invalid_format':
      return `Not a valid ${issue.format ?? 'value'} (got ${got}).`;
    case 'unrecognized_keys':
      return `Unknown keys ${JSON.stringify(issue.keys)}.`;
    default:
      return `${issue.message} (got ${got}).`;
  }
}

function discordCode(issue: Issue): string {
  switch (issue.code) {
    case 'too_big':
      return 'BASE_TYPE_MAX_LENGTH';
    case 'too_small':
      return 'BASE_TYPE_MIN_LENGTH';
    case 'invalid_type':
      return issue.expected === 'string' ? 'BASE_TYPE_STRING' : issue.expected === 'number' ? 'NUMBER_TYPE_COERCE' : 'BASE_TYPE_REQUIRED';
    case 'invalid_value':
      return 'BASE_TYPE_CHOICES';
    case 'invalid_format':
      return 'BASE_TYPE_BAD_FORMAT';
    default:
      return 'BASE_TYPE_INVALID';
  }
}

function describeType(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} chars` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value; // undefined, function, symbol
}

function valueAt(input: unknown, path: Path): unknown {
  let node = input;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    // The schema and the limit checks can both report the same over-long field: keep the first.
    const key = `${formatPath(p.path)}|${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
