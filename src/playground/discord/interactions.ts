/**
 * Interactions: sending INTERACTION_CREATE to the bot, and following how the bot
 * answers them (callback, @original edits, follow-ups) with Discord's rules: one callback within the
 * ack deadline, a callback type that fits the interaction, tokens valid for 15 minutes.
 */
import { randomBytes } from 'node:crypto';
import type { GatewayServer } from './gateway';
import { CallbackType, Handle, InteractionType, type InteractionRecord, type InteractionTypeValue, typeNames } from './interactionHandle';
import { customIds, interactionCreatePayload, resolvedOptions } from './interactionPayload';
import { MessageFlag, MessageType, type UploadedFile } from './messages';
import { ErrorCode, fail, noContent, ok, type Reply } from './reply';
import { ApplicationCommandType } from './commandRegistry';
import type { ChannelRecord, DiscordState } from './state';
import { isObject, type ButtonClickOptions, type FakeMessage, type InteractionHandle, type JsonObject, type SlashCommandOptions } from './types';

const ComponentType = { Button: 2 } as const;

/** Callback types Discord accepts per interaction type. */
const allowedCallbacks: Record<InteractionTypeValue, number[]> = {
  [InteractionType.ApplicationCommand]: [4, 5, 9, 12],
  [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 12],
  [InteractionType.Autocomplete]: [8],
};

/** Interaction tokens stay valid this long on Discord. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

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
    const commandGuildId = guildId && this.state.commands.list(guildId).some((c) => c.name === opts.name) ? guildId : undefined;
    const resolved = opts.options ? resolvedOptions(this.state, opts.options, guildId) : undefined;
    const data: JsonObject = {
      id: this.state.commands.idOf(opts.name, guildId),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      ...(opts.options ? { options: opts.options } : {}),
      ...(resolved ? { resolved } : {}),
      ...(commandGuildId ? { guild_id: commandGuildId } : {}),
    };
    return this.send(type, opts, channel, guildId, data);
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

    const payload = interactionCreatePayload(this.state, record, opts, channel, data, sourceMessage);
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
    if (this.state.channels.get(message.channelId)?.deleted) fail(404, ErrorCode.UnknownChannel);
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

