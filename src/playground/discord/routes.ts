/**
 * The REST routes the fake serves (below /api/v10), each with its templated name, whether it needs
 * `Authorization: Bot <token>`, its rate-limit bucket and the body schema it is checked against.
 */
import type { Interactions } from './interactions';
import { MessageType, type UploadedFile } from './messages';
import { created, ErrorCode, fail, noContent, ok, type Reply } from './reply';
import { ChannelType, type DiscordState } from './state';
import { isSnowflake } from './snowflake';
import type { BodyKind } from './validation';
import { isObject, type JsonObject } from './types';

export interface RouteContext {
  /** Path parameters in order (':id' and ':token' segments). */
  params: string[];
  body: unknown;
  query: URLSearchParams;
  files: UploadedFile[];
  /** Mark the recorded request as answered from an earlier nonce. */
  markDeduped(): void;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Segments: literals, ':id' (a snowflake) or ':token'. Also the templated name in `requests`. */
  path: string;
  /** Default true: needs `Authorization: Bot <token>` and counts towards the global limit. */
  auth?: boolean;
  /** In the per-channel message bucket (the first param is the channel id). */
  channelBucket?: boolean;
  /** In its interaction token's bucket (the second param is the token): each token has its own, as on Discord. */
  tokenBucket?: boolean;
  body?: BodyKind;
  handle(ctx: RouteContext): Reply;
}

export interface RouteDeps {
  state: DiscordState;
  interactions: Interactions;
  gatewayUrl: () => string;
}

export function buildRoutes({ state, interactions, gatewayUrl }: RouteDeps): RouteDef[] {
  const cfg = state.config;
  const bodyObject = (ctx: RouteContext): JsonObject => (isObject(ctx.body) ? ctx.body : {});
  const checkApplication = (id: string) => {
    if (id !== cfg.applicationId) fail(404, ErrorCode.UnknownApplication, `route for application ${id}, but the bot's application is ${cfg.applicationId}`);
  };
  const checkGuild = (id: string) => {
    if (!state.guild(id)) fail(404, ErrorCode.UnknownGuild);
  };

  return [
    // ---------------------------------------------------------------- gateway, self
    {
      method: 'GET',
      path: '/gateway/bot',
      handle: () =>
        ok({
          url: gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        }),
    },
    { method: 'GET', path: '/gateway', auth: false, handle: () => ok({ url: gatewayUrl() }) },
    { method: 'GET', path: '/users/@me', handle: () => ok(state.botUser) },
    {
      method: 'GET',
      path: '/applications/@me',
      handle: () =>
        ok({
          id: cfg.applicationId,
          name: cfg.botUsername,
          icon: null,
          description: '',
          summary: '',
          type: null,
          bot: state.botUser,
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          hook: true,
          is_monetized: false,
          redirect_uris: [],
          interactions_endpoint_url: null,
          owner: state.botUser,
          team: null,
          approximate_guild_count: cfg.guilds.length,
        }),
    },
    { method: 'GET', path: '/users/:id', handle: ({ params: [id] }) => ok(state.userObject(id!)) },

    // ---------------------------------------------------------------- application commands (global, then per guild)
    ...(['global', 'guild'] as const).flatMap((scope): RouteDef[] => {
      const path = scope === 'global' ? '/applications/:id/commands' : '/applications/:id/guilds/:id/commands';
      /** The guild of a guild route (checked), undefined for the global commands. */
      const guildOf = ([app, guild]: string[]): string | undefined => {
        checkApplication(app!);
        if (scope === 'global') return undefined;
        checkGuild(guild!);
        return guild;
      };
      return [
        { method: 'GET', path, handle: ({ params }) => ok(state.commands.list(guildOf(params))) },
        { method: 'PUT', path, body: 'commands-bulk-overwrite', handle: (ctx) => ok(state.commands.set(guildOf(ctx.params), asList(ctx.body))) },
        { method: 'POST', path, body: 'command-create', handle: (ctx) => created(state.commands.add(guildOf(ctx.params), bodyObject(ctx))) },
      ];
    }),

    // ---------------------------------------------------------------- interactions
    {
      method: 'POST',
      path: '/interactions/:id/:token/callback',
      auth: false,
      body: 'interaction-callback',
      handle: (ctx) => {
        const withResponse = ctx.query.get('with_response') === 'true';
        return interactions.callback(ctx.params[0]!, ctx.params[1]!, bodyObject(ctx), withResponse);
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:id/:token',
      auth: false,
      body: 'webhook-execute',
      handle: (ctx) => interactions.followup(interactions.webhook(ctx.params[0]!, ctx.params[1]!), bodyObject(ctx), ctx.files),
    },
    ...(['@original', ':id'] as const).flatMap((message): RouteDef[] => {
      const path = `/webhooks/:id/:token/messages/${message}`;
      const target = (params: string[]) => (message === '@original' ? '@original' : params[2]!);
      return [
        {
          method: 'GET',
          path,
          auth: false,
          handle: ({ params }) => interactions.getMessage(interactions.webhook(params[0]!, params[1]!), target(params)),
        },
        {
          method: 'PATCH',
          path,
          auth: false,
          tokenBucket: true,
          body: 'webhook-message-edit',
          handle: (ctx) =>
            interactions.editMessage(interactions.webhook(ctx.params[0]!, ctx.params[1]!), target(ctx.params), bodyObject(ctx), ctx.files),
        },
        {
          method: 'DELETE',
          path,
          auth: false,
          handle: ({ params }) => interactions.deleteMessage(interactions.webhook(params[0]!, params[1]!), target(params)),
        },
      ];
    }),

    // ---------------------------------------------------------------- channels and messages
    { method: 'GET', path: '/channels/:id', handle: ({ params: [id] }) => ok(state.channelObject(state.usableChannel(id!))) },
    {
      method: 'POST',
      path: '/channels/:id/typing',
      handle: ({ params: [id] }) => {
        state.usableChannel(id!);
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/channels/:id/messages',
      handle: ({ params: [id], query }) => {
        state.usableChannel(id!);
        const limit = Math.min(Math.max(Number(query.get('limit') ?? 50) || 50, 1), 100);
        return ok(state.channelMessages(id!).slice(-limit).reverse().map((m) => m.data));
      },
    },
    {
      method: 'POST',
      path: '/channels/:id/messages',
      channelBucket: true,
      body: 'message-create',
      handle: (ctx) => {
        const channel = state.usableChannel(ctx.params[0]!);
        const body = bodyObject(ctx);
        if (channel.type === ChannelType.DM && state.closedDms.has(channel.recipientId!)) fail(403, ErrorCode.CannotSendMessagesToUser);
        if (body.enforce_nonce === true) {
          const earlier = state.nonceHit(channel.id, body.nonce);
          if (earlier) {
            state.counters.nonceDeduplicated++;
            ctx.markDeduped();
            return ok(earlier.data);
          }
        }
        const message = state.createMessage({ channelId: channel.id, body, source: 'channel', type: MessageType.Default, files: ctx.files });
        state.rememberNonce(channel.id, body.nonce, message.id);
        return ok(message.data);
      },
    },
    {
      method: 'GET',
      path: '/channels/:id/messages/:id',
      handle: ({ params: [channelId, messageId] }) => {
        state.usableChannel(channelId!);
        return ok(state.channelMessage(channelId!, messageId!).data);
      },
    },
    {
      method: 'PATCH',
      path: '/channels/:id/messages/:id',
      channelBucket: true,
      body: 'message-edit',
      handle: (ctx) => {
        const [channelId, messageId] = ctx.params as [string, string];
        state.usableChannel(channelId);
        const message = state.channelMessage(channelId, messageId);
        return ok(state.editMessage(message, bodyObject(ctx), ctx.files).data);
      },
    },
    {
      method: 'DELETE',
      path: '/channels/:id/messages/:id',
      channelBucket: true,
      handle: ({ params: [channelId, messageId] }) => {
        state.usableChannel(channelId!);
        state.removeMessage(state.channelMessage(channelId!, messageId!));
        return noContent();
      },
    },

    // ---------------------------------------------------------------- DMs, guilds
    {
      method: 'POST',
      path: '/users/@me/channels',
      body: 'create-dm',
      handle: (ctx) => {
        const recipient = bodyObject(ctx).recipient_id;
        if (typeof recipient !== 'string' || !isSnowflake(recipient)) fail(400, ErrorCode.InvalidFormBody, `create DM: recipient_id ${JSON.stringify(recipient)} is not a snowflake`);
        return ok(state.channelObject(state.openDmChannel(recipient)));
      },
    },
    {
      method: 'GET',
      path: '/guilds/:id',
      handle: ({ params: [id] }) => {
        const guild = state.guild(id!);
        if (!guild) fail(404, ErrorCode.UnknownGuild);
        // GET /guilds/{id} has no channels, members or other GUILD_CREATE-only fields.
        const full = state.guildCreate(guild);
        const gatewayOnly = ['channels', 'members', 'threads', 'presences', 'voice_states', 'stage_instances', 'guild_scheduled_events', 'soundboard_sounds', 'joined_at', 'large', 'unavailable', 'member_count'];
        return ok(Object.fromEntries(Object.entries(full).filter(([key]) => !gatewayOnly.includes(key))));
      },
    },
    {
      method: 'GET',
      path: '/guilds/:id/channels',
      handle: ({ params: [id] }) => {
        const guild = state.guild(id!);
        if (!guild) fail(404, ErrorCode.UnknownGuild);
        return ok(state.guildCreate(guild).channels);
      },
    },
    {
      method: 'GET',
      path: '/guilds/:id/members/:id',
      handle: ({ params: [guild, user] }) => {
        checkGuild(guild!);
        return ok(state.memberObject(user!));
      },
    },
  ];
}

function asList(body: unknown): JsonObject[] {
  return Array.isArray(body) ? body.filter(isObject) : [];
}
