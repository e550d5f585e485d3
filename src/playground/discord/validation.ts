/**
 * Checks request bodies against Discord's own schemas (zod, generated from Discord's OpenAPI spec by
 * the `discord-api-spec` package) plus the limits the spec does not express (messageLimits.ts), and
 * checks that the message objects the fake returns are what Discord would return.
 */
import * as spec from 'discord-api-spec/zod';
import * as z from 'zod/mini';
import { checkMessageLimits } from './messageLimits';
import { dedupe, issuesToProblems, type Problem } from './problems';
import { isObject } from './types';

type Schema = z.ZodMiniType;

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
// Self-check of what the fake answers

/** Problems of a message object the fake is about to return (an emulator bug if any). */
export function checkResponseMessage(message: unknown): Problem[] {
  const result = spec.MessageResponseSchema.safeParse(message);
  return result.success ? [] : issuesToProblems(result.error.issues, message);
}
