/**
 * Interactions: building INTERACTION_CREATE payloads discord.js accepts, and following how the bot
 * answers them (callback, @original edits, follow-ups) with Discord's rules: one callback within the
 * ack deadline, a callback type that fits the interaction, tokens valid for 15 minutes.
 */
import { randomBytes } from 'node:crypto';
import type { GatewayServer } from './gateway';
import { MessageFlag, MessageType, messageText, type UploadedFile } from './messages';
import { ErrorCode, fail, noContent, ok, type Reply } from './reply';
import { ALL_PERMISSIONS, ApplicationCommandType, type ChannelRecord, type DiscordState } from './state';
import { isObject } from './validation';
import type {
  ButtonClickOptions,
  FakeMessage,
  InteractionHandle,
  InteractionOption,
  InteractionResponse,
  JsonObject,
  SlashCommandOptions,
} from './types';

export const InteractionType = { ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4 } as const;
const ComponentType = { Button: 2 } as const;
type InteractionTypeValue = (typeof InteractionType)[keyof typeof InteractionType];

export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

/** Callback types Discord accepts per interaction type. */
const allowedCallbacks: Record<InteractionTypeValue, number[]> = {
  [InteractionType.ApplicationCommand]: [4, 5, 9, 12],
  [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 12],
  [InteractionType.Autocomplete]: [8],
};

const typeNames: Record<InteractionTypeValue, string> = { 2: 'application command', 3: 'message component', 4: 'autocomplete' };

/** Interaction tokens stay valid this long on Discord. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionTypeValue;
  createdAt: number;
  channelId: string;
  guildId?: string;
  userId: string;
  /** Message components: the message the component is on. */
  sourceMessageId?: string;
  /** Callback type once acknowledged. */
  acknowledgedWith?: number;
  /** The response message (@original), once there is one. */
  originalMessageId?: string;
  followupIds: string[];
  expired: boolean;
  handle: Handle;
}

/** ApplicationCommandOptionType values that name an entity. */
const OptionType = { User: 6, Channel: 7, Role: 8 } as const;

export class Interactions {
  private readonly byId = new Map<string, InteractionRecord>();
  private readonly byToken = new Map<string, InteractionRecord>();

  constructor(
    private readonly state: DiscordState,
    private readonly gateway: GatewayServer,
  ) {}

  // ------------------------------------------------------------------ sending

  slashCommand(opts: SlashCommandOptions, type: 2 | 4 = InteractionType.ApplicationCommand): InteractionHandle {
    const { channel, guildId } = this.resolveContext(opts);
    const commandGuildId = guildId && this.state.commands(guildId).some((c) => c.name === opts.name) ? guildId : undefined;
    const resolved = opts.options ? this.resolveOptions(opts.options, guildId) : undefined;
    const data: JsonObject = {
      id: this.state.commandId(opts.name, guildId),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      ...(opts.options ? { options: opts.options } : {}),
      ...(resolved ? { resolved } : {}),
      ...(commandGuildId ? { guild_id: commandGuildId } : {}),
    };
    return this.send(type, opts, channel, guildId, data);
  }

  /** Discord sends the users, channels and roles named by options in `data.resolved`. */
  private resolveOptions(options: InteractionOption[], guildId: string | undefined): JsonObject | undefined {
    const users: JsonObject = {};
    const channels: JsonObject = {};
    const roles: JsonObject = {};
    const visit = (list: InteractionOption[]) => {
      for (const option of list) {
        const id = String(option.value);
        if (option.type === OptionType.User) users[id] = this.state.userObject(id);
        if (option.type === OptionType.Channel) {
          const channel = this.state.channels.get(id);
          channels[id] = { id, type: channel?.type ?? 0, name: channel?.name ?? 'channel', permissions: ALL_PERMISSIONS, ...(guildId ? { guild_id: guildId } : {}) };
        }
        if (option.type === OptionType.Role) {
          roles[id] = { id, name: `role-${id.slice(-4)}`, color: 0, hoist: false, position: 1, permissions: '0', managed: false, mentionable: false, flags: 0 };
        }
        if (option.options) visit(option.options);
      }
    };
    visit(options);
    const resolved = {
      ...(Object.keys(users).length ? { users } : {}),
      ...(Object.keys(channels).length ? { channels } : {}),
      ...(Object.keys(roles).length ? { roles } : {}),
    };
    return Object.keys(resolved).length ? resolved : undefined;
  }

  clickButton(opts: ButtonClickOptions): InteractionHandle {
    const { channel, guildId } = this.resolveContext(opts);
    const message = this.state.findMessage(channel.id, opts.messageId);
    if (!message || message.deleted) throw new Error(`fake discord: clickButton: no message ${opts.messageId} in channel ${channel.id}`);
    const buttons = customIds(message.data.components);
    if (!buttons.includes(opts.customId)) {
      throw new Error(`fake discord: clickButton: message ${opts.messageId} has no component with custom_id "${opts.customId}" (has ${JSON.stringify(buttons)})`);
    }
    const data = { custom_id: opts.customId, component_type: ComponentType.Button };
    return this.send(InteractionType.MessageComponent, opts, channel, guildId, data, message);
  }

  private resolveContext(opts: SlashCommandOptions | ButtonClickOptions): { channel: ChannelRecord; guildId?: string } {
    this.state.rememberUser(opts.user);
    if (opts.guildId === undefined) {
      const dm = this.state.openDmChannel(opts.user.id, opts.channelId);
      if (opts.channelId !== undefined && dm.id !== opts.channelId) {
        throw new Error(`fake discord: user ${opts.user.id} already has DM channel ${dm.id}, not ${opts.channelId}`);
      }
      return { channel: dm };
    }
    const guild = this.state.guild(opts.guildId);
    if (!guild) throw new Error(`fake discord: unknown guild ${opts.guildId}`);
    const channelId = opts.channelId ?? guild.channels[0]?.id;
    const channel = channelId === undefined ? undefined : this.state.channels.get(channelId);
    if (!channel || channel.guildId !== guild.id) throw new Error(`fake discord: channel ${String(channelId)} is not a channel of guild ${guild.id}`);
    return { channel, guildId: guild.id };
  }

  private send(
    type: InteractionTypeValue,
    opts: SlashCommandOptions | ButtonClickOptions,
    channel: ChannelRecord,
    guildId: string | undefined,
    data: JsonObject,
    sourceMessage?: FakeMessage,
  ): InteractionHandle {
    if (!this.gateway.hasSession()) {
      throw new Error('fake discord: no bot has identified on the gateway yet; send interactions once the client is ready');
    }
    const id = this.state.ids.next();
    const token = `${Buffer.from(`interaction:${id}:`).toString('base64url')}${randomBytes(48).toString('base64url')}`;
    const record: InteractionRecord = {
      id,
      token,
      type,
      createdAt: Date.now(),
      channelId: channel.id,
      userId: opts.user.id,
      followupIds: [],
      expired: false,
      handle: undefined as unknown as Handle,
      ...(guildId ? { guildId } : {}),
      ...(sourceMessage ? { sourceMessageId: sourceMessage.id, originalMessageId: sourceMessage.id } : {}),
    };
    record.handle = new Handle(record, (messageId) => this.state.messageById(messageId));
    this.byId.set(id, record);
    this.byToken.set(token, record);

    const payload: JsonObject = {
      id,
      application_id: this.state.config.applicationId,
      type,
      token,
      version: 1,
      locale: opts.locale ?? 'en-US',
      app_permissions: opts.appPermissions ?? ALL_PERMISSIONS,
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': opts.user.id },
      context: guildId ? 0 : 1,
      attachment_size_limit: 10 * 1024 * 1024,
      channel: this.state.channelObject(channel),
      channel_id: channel.id,
      data,
      ...(sourceMessage ? { message: sourceMessage.data } : {}),
      ...(guildId
        ? {
            guild_id: guildId,
            guild: { id: guildId, locale: 'en-US', features: [] },
            guild_locale: 'en-US',
            member: this.state.memberObject(opts.user.id, { roles: opts.roles ?? [], permissions: opts.memberPermissions ?? ALL_PERMISSIONS }),
          }
        : { user: this.state.userObject(opts.user.id) }),
    };
    this.state.counters.interactionsSent++;
    this.gateway.dispatch('INTERACTION_CREATE', payload);
    return record.handle;
  }

  // ------------------------------------------------------------------ fault injection

  expire(interactionId: string): void {
    const record = this.byId.get(interactionId);
    if (!record) throw new Error(`fake discord: unknown interaction ${interactionId}`);
    record.expired = true;
  }

  // ------------------------------------------------------------------ REST side

  /** POST /interactions/{id}/{token}/callback */
  callback(interactionId: string, token: string, body: JsonObject, withResponse: boolean): Reply {
    const record = this.byId.get(interactionId);
    if (!record || record.token !== token) fail(404, ErrorCode.UnknownInteraction, `callback for unknown interaction ${interactionId} (or wrong token)`);
    const type = Number(body.type);
    if (record.acknowledgedWith !== undefined) {
      fail(400, ErrorCode.InteractionAlreadyAcknowledged, `interaction ${record.id} acknowledged twice (type ${record.acknowledgedWith}, then type ${type})`);
    }
    const age = Date.now() - record.createdAt;
    const deadline = this.state.config.interactionAckTimeoutMs;
    if (age > deadline) fail(404, ErrorCode.UnknownInteraction, `interaction ${record.id} acknowledged after ${age} ms (Discord allows ${deadline} ms)`);
    if (!allowedCallbacks[record.type].includes(type)) {
      fail(400, ErrorCode.InvalidFormBody, `callback type ${type} is not valid for a ${typeNames[record.type]} interaction (allowed: ${allowedCallbacks[record.type].join(', ')})`);
    }

    record.acknowledgedWith = type;
    const data = isObject(body.data) ? body.data : {};
    const ephemeral = typeof data.flags === 'number' && (data.flags & MessageFlag.Ephemeral) !== 0;
    let message: FakeMessage | undefined;
    switch (type) {
      case CallbackType.ChannelMessageWithSource:
      case CallbackType.DeferredChannelMessageWithSource:
        message = this.state.createMessage({
          channelId: record.channelId,
          body: data,
          source: 'interaction',
          type: record.type === InteractionType.ApplicationCommand ? MessageType.ChatInputCommand : MessageType.Default,
          ephemeral,
          loading: type === CallbackType.DeferredChannelMessageWithSource,
          interactionId: record.id,
          extra: this.responseExtras(record),
        });
        record.originalMessageId = message.id;
        break;
      case CallbackType.UpdateMessage:
        message = this.original(record);
        if (message) this.state.editMessage(message, data);
        break;
      case CallbackType.DeferredUpdateMessage:
        message = this.original(record);
        break;
      default:
        break; // autocomplete choices, modal, activity: no message
    }
    record.handle.push({ kind: 'callback', type, body: data, at: Date.now(), ...(message ? { messageId: message.id } : {}) });

    if (!withResponse) return noContent();
    return ok({
      interaction: {
        id: record.id,
        type: record.type,
        response_message_id: message?.id,
        response_message_loading: type === CallbackType.DeferredChannelMessageWithSource,
        response_message_ephemeral: message?.ephemeral ?? ephemeral,
      },
      resource: { type, ...(message ? { message: message.data } : {}) },
    });
  }

  /** The interaction behind /webhooks/{application}/{token}, or the error Discord answers. */
  webhook(applicationId: string, token: string): InteractionRecord {
    if (applicationId !== this.state.config.applicationId) {
      fail(404, ErrorCode.UnknownWebhook, `webhook route with id ${applicationId}, expected the application id ${this.state.config.applicationId}`);
    }
    const record = this.byToken.get(token);
    if (!record) fail(401, ErrorCode.InvalidWebhookToken, 'webhook route with an interaction token the fake never issued');
    if (record.expired || Date.now() - record.createdAt > TOKEN_LIFETIME_MS) fail(401, ErrorCode.InvalidWebhookToken);
    return record;
  }

  /** GET /webhooks/{app}/{token}/messages/{@original|id} */
  getMessage(record: InteractionRecord, messageId: string): Reply {
    return ok(this.webhookMessage(record, messageId).data);
  }

  /** PATCH /webhooks/{app}/{token}/messages/{@original|id} */
  editMessage(record: InteractionRecord, messageId: string, body: JsonObject, files: UploadedFile[]): Reply {
    const message = this.webhookMessage(record, messageId);
    this.state.editMessage(message, body, files);
    const kind = message.id === record.originalMessageId ? 'edit-original' : 'edit-followup';
    record.handle.push({ kind, body, messageId: message.id, at: Date.now() });
    return ok(message.data);
  }

  /** DELETE /webhooks/{app}/{token}/messages/{@original|id} */
  deleteMessage(record: InteractionRecord, messageId: string): Reply {
    const message = this.webhookMessage(record, messageId);
    this.state.removeMessage(message);
    const kind = message.id === record.originalMessageId ? 'delete-original' : 'delete-followup';
    record.handle.push({ kind, body: {}, messageId: message.id, at: Date.now() });
    return noContent();
  }

  /**
   * POST /webhooks/{app}/{token}: a follow-up. As on Discord, the first follow-up after a deferred
   * reply replaces the "is thinking…" message (keeping its ephemeral state) instead of adding one.
   */
  followup(record: InteractionRecord, body: JsonObject, files: UploadedFile[]): Reply {
    if (record.acknowledgedWith === undefined) fail(404, ErrorCode.UnknownWebhook, `follow-up to interaction ${record.id} before it was acknowledged`);
    const original = this.original(record);
    let message: FakeMessage;
    if (original && !original.deleted && (original.data.flags & MessageFlag.Loading) !== 0) {
      message = this.state.editMessage(original, body, files);
    } else {
      message = this.state.createMessage({
        channelId: record.channelId,
        body,
        source: 'followup',
        type: MessageType.Default,
        ephemeral: typeof body.flags === 'number' && (body.flags & MessageFlag.Ephemeral) !== 0,
        interactionId: record.id,
        extra: this.responseExtras(record),
        files,
      });
      record.followupIds.push(message.id);
    }
    record.handle.push({ kind: 'followup', body, messageId: message.id, at: Date.now() });
    return ok(message.data);
  }

  private webhookMessage(record: InteractionRecord, messageId: string): FakeMessage {
    if (record.acknowledgedWith === undefined) {
      fail(404, ErrorCode.UnknownMessage, `webhook message ${messageId} of interaction ${record.id} used before the interaction was acknowledged`);
    }
    const id = messageId === '@original' ? record.originalMessageId : messageId;
    const message = id === undefined ? undefined : this.state.messageById(id);
    const owned = message && (message.id === record.originalMessageId || record.followupIds.includes(message.id));
    if (!message || !owned || message.deleted) fail(404, ErrorCode.UnknownMessage);
    return message;
  }

  private original(record: InteractionRecord): FakeMessage | undefined {
    return record.originalMessageId === undefined ? undefined : this.state.messageById(record.originalMessageId);
  }

  private responseExtras(record: InteractionRecord): JsonObject {
    return {
      webhook_id: this.state.config.applicationId,
      application_id: this.state.config.applicationId,
      interaction_metadata: {
        id: record.id,
        type: record.type,
        user: this.state.userObject(record.userId),
        authorizing_integration_owners: record.guildId ? { '0': record.guildId } : { '1': record.userId },
        ...(record.sourceMessageId ? { interacted_message_id: record.sourceMessageId } : {}),
        ...(record.originalMessageId && record.type !== InteractionType.MessageComponent ? { original_response_message_id: record.originalMessageId } : {}),
      },
    };
  }
}

function customIds(components: unknown): string[] {
  const out: string[] = [];
  const walk = (list: unknown) => {
    for (const c of Array.isArray(list) ? list.filter(isObject) : []) {
      if (typeof c.custom_id === 'string') out.push(c.custom_id);
      walk(c.components);
      if (isObject(c.accessory)) walk([c.accessory]);
    }
  };
  walk(components);
  return out;
}

/** What a test holds to see how the bot answered one interaction. */
export class Handle implements InteractionHandle {
  readonly responses: InteractionResponse[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly record: InteractionRecord,
    private readonly lookup: (messageId: string) => FakeMessage | undefined,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get token(): string {
    return this.record.token;
  }

  get type(): number {
    return this.record.type;
  }

  push(response: InteractionResponse): void {
    this.responses.push(response);
    for (const wake of [...this.waiters]) wake();
  }

  async waitForResponse(timeoutMs = 2000): Promise<InteractionResponse> {
    await this.waitFor((h) => h.responses.length > 0, timeoutMs);
    return this.responses[0]!;
  }

  waitFor(predicate: (handle: InteractionHandle) => boolean, timeoutMs = 2000): Promise<InteractionHandle> {
    if (predicate(this)) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => {
        try {
          if (predicate(this)) {
            done();
            resolve(this);
          }
        } catch (error) {
          done();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake discord: interaction ${this.id} (${typeNames[this.record.type]}): condition not met within ${timeoutMs} ms. Responses so far: ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  ephemeral(): boolean {
    const callback = this.responses.find((r) => r.kind === 'callback');
    if (callback?.type === CallbackType.DeferredUpdateMessage || callback?.type === CallbackType.UpdateMessage) {
      return this.original()?.ephemeral ?? false;
    }
    return typeof callback?.body.flags === 'number' && (callback.body.flags & MessageFlag.Ephemeral) !== 0;
  }

  original(): FakeMessage | undefined {
    const id = this.record.originalMessageId;
    return id === undefined ? undefined : this.lookup(id);
  }

  followups(): FakeMessage[] {
    return this.record.followupIds.map((id) => this.lookup(id)).filter((m): m is FakeMessage => m !== undefined);
  }

  text(): string {
    const original = this.original();
    if (original && this.record.acknowledgedWith !== undefined) return messageText(original.data);
    const last = this.responses.at(-1)?.body;
    if (!last) return '';
    if (Array.isArray(last.choices)) return last.choices.filter(isObject).map((c) => String(c.name)).join('\n');
    return messageText(last);
  }

  private describe(): string {
    if (this.responses.length === 0) return 'none';
    return this.responses.map((r) => `${r.kind}${r.type !== undefined ? `(type ${r.type})` : ''} ${JSON.stringify(r.body).slice(0, 200)}`).join('; ');
  }
}
