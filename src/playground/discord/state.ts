/**
 * The fake's world: guilds, channels (guild and DM), users, messages with their edit history,
 * nonces, registered commands, injected faults, and what was recorded (requests, violations, counters).
 */
import { CommandRegistry } from './commandRegistry';
import type { ResolvedConfig } from './config';
import { Intent } from './gateway';
import { guildChannelObject, guildObject, memberObject } from './guildObject';
import { buildMessage, editedMessage, MessageFlag, userObject, type UploadedFile } from './messages';
import { ErrorCode, fail } from './reply';
import { SnowflakeGenerator } from './snowflake';
import { formatProblem } from './problems';
import { AttachmentStore, checkResultingMessage, planAttachments, refuseProblems } from './uploads';
import { checkResponseMessage } from './validation';
import type {
  ApiMessage,
  FakeDiscordCounters,
  FakeGuild,
  FakeMessage,
  FakeUser,
  JsonObject,
  MessageSource,
  RecordedRequest,
} from './types';

export const ChannelType = { GuildText: 0, DM: 1 } as const;

export interface ChannelRecord {
  id: string;
  type: 0 | 1;
  name: string;
  position: number;
  guildId?: string;
  /** DM channels: the other user. */
  recipientId?: string;
  deleted: boolean;
  /** Injected: requests on the channel answer 403 with this code. */
  revoked?: 50001 | 50013;
}

type EventSink = (t: string, d: unknown, intent?: number) => void;

export interface CreateMessageInput {
  channelId: string;
  body: JsonObject;
  source: MessageSource;
  type: number;
  ephemeral?: boolean;
  loading?: boolean;
  interactionId?: string;
  extra?: JsonObject;
  files?: UploadedFile[];
}

export class DiscordState {
  readonly ids = new SnowflakeGenerator();
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly counters: FakeDiscordCounters = {
    requests: 0,
    rateLimited429: 0,
    globalRateLimited429: 0,
    bucketExhausted: 0,
    nonceDeduplicated: 0,
    messagesCreated: 0,
    messagesEdited: 0,
    messagesDeleted: 0,
    dmChannelsCreated: 0,
    invalidBodies: 0,
    injectedFailures: 0,
    interactionsSent: 0,
    identifies: 0,
    resumes: 0,
    heartbeats: 0,
  };
  readonly botUser: JsonObject;
  readonly channels = new Map<string, ChannelRecord>();
  readonly closedDms = new Set<string>();
  readonly commands: CommandRegistry;
  /** Set by the owner once the gateway exists. */
  emit: EventSink = () => {};
  /** Base of attachment URLs (the fake's own address). */
  baseUrl = 'http://127.0.0.1';
  /** Told after every change someone watching the fake could see: messages, violations. */
  readonly changeListeners = new Set<() => void>();

  private readonly users = new Map<string, FakeUser>();
  private readonly dmByUser = new Map<string, string>();
  private readonly messages = new Map<string, FakeMessage>();
  private readonly byChannel = new Map<string, FakeMessage[]>();
  private readonly nonces = new Map<string, { messageId: string; at: number }>();
  private readonly startedAt = new Date().toISOString();
  /** Uploaded files: attachment objects and the bytes their URLs serve. */
  readonly uploads = new AttachmentStore(this.ids, () => this.baseUrl);

  constructor(readonly config: ResolvedConfig) {
    this.botUser = userObject({ id: config.applicationId, username: config.botUsername }, true);
    this.commands = new CommandRegistry(this.ids, config.applicationId);
    for (const guild of config.guilds) {
      guild.channels.forEach((channel, position) => {
        this.channels.set(channel.id, { id: channel.id, type: ChannelType.GuildText, name: channel.name, position, guildId: guild.id, deleted: false });
      });
    }
  }

  violation(text: string): void {
    this.violations.push(text);
    this.changed();
  }

  changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  // ------------------------------------------------------------------ users and channels

  rememberUser(user: FakeUser): void {
    const known = this.users.get(user.id);
    this.users.set(user.id, { ...known, ...user });
  }

  userObject(id: string): JsonObject {
    if (id === this.config.applicationId) return this.botUser;
    return userObject(this.users.get(id) ?? { id });
  }

  /** A guild or DM channel the bot may use, or throws the error Discord would answer (404 10003, 403). */
  usableChannel(channelId: string): ChannelRecord {
    const channel = this.channels.get(channelId);
    if (!channel || channel.deleted) fail(404, ErrorCode.UnknownChannel);
    if (channel.revoked) fail(403, channel.revoked);
    return channel;
  }

  dmChannelId(userId: string): string | undefined {
    return this.dmByUser.get(userId);
  }

  /** The DM channel with a user, created on first use (Discord answers the same channel every time). */
  openDmChannel(userId: string, channelId?: string): ChannelRecord {
    const existing = this.dmByUser.get(userId);
    if (existing) return this.channels.get(existing)!;
    const channel: ChannelRecord = { id: channelId ?? this.ids.next(), type: ChannelType.DM, name: '', position: 0, recipientId: userId, deleted: false };
    this.channels.set(channel.id, channel);
    this.dmByUser.set(userId, channel.id);
    this.counters.dmChannelsCreated++;
    return channel;
  }

  channelObject(channel: ChannelRecord): JsonObject {
    const last = this.byChannel.get(channel.id)?.at(-1)?.id ?? null;
    if (channel.type === ChannelType.DM) {
      return { id: channel.id, type: ChannelType.DM, last_message_id: last, flags: 0, recipients: [this.userObject(channel.recipientId!)] };
    }
    return guildChannelObject(channel, this.config.applicationId, last);
  }

  guild(guildId: string): FakeGuild | undefined {
    return this.config.guilds.find((g) => g.id === guildId);
  }

  memberObject(userId: string, opts: { roles?: string[]; permissions?: string } = {}): JsonObject {
    return memberObject(this.userObject(userId), this.startedAt, opts);
  }

  /** GUILD_CREATE `d`: the guild with its text channels, @everyone role and the bot as member. */
  guildCreate(guild: FakeGuild): JsonObject {
    const channels = guild.channels
      .map((c) => this.channels.get(c.id))
      .filter((c): c is ChannelRecord => c !== undefined && !c.deleted)
      .map((c) => this.channelObject(c));
    return guildObject(guild, channels, this.memberObject(this.config.applicationId), this.startedAt);
  }

  // ------------------------------------------------------------------ messages

  createMessage(input: CreateMessageInput): FakeMessage {
    const plan = planAttachments(input.body, input.files ?? [], []);
    refuseProblems(this.counters, plan.problems);
    const id = this.ids.next();
    const now = Date.now();
    const data = buildMessage({
      id,
      channelId: input.channelId,
      author: this.botUser,
      body: input.body,
      type: input.type,
      extraFlags: (input.ephemeral ? MessageFlag.Ephemeral : 0) | (input.loading ? MessageFlag.Loading : 0),
      attachments: this.uploads.attach(input.channelId, plan),
      extra: input.extra,
      now,
    });
    refuseProblems(this.counters, checkResultingMessage(data, null));
    const message: FakeMessage = {
      id,
      channelId: input.channelId,
      source: input.source,
      ephemeral: input.ephemeral === true,
      data,
      versions: [input.body],
      deleted: false,
      ...(input.interactionId ? { interactionId: input.interactionId } : {}),
    };
    this.messages.set(id, message);
    if (!message.ephemeral) {
      const list = this.byChannel.get(input.channelId) ?? [];
      list.push(message);
      this.byChannel.set(input.channelId, list);
    }
    this.counters.messagesCreated++;
    this.selfCheck(data);
    this.emitMessage('MESSAGE_CREATE', message);
    this.changed();
    return message;
  }

  editMessage(message: FakeMessage, body: JsonObject, files: UploadedFile[] = []): FakeMessage {
    const plan = planAttachments(body, files, message.data.attachments);
    refuseProblems(this.counters, plan.problems);
    const uploads = this.uploads.attach(message.channelId, plan);
    const data = editedMessage(message.data, body, plan.keep, uploads, Date.now());
    refuseProblems(this.counters, checkResultingMessage(data, message.data.flags));
    message.data = data;
    message.versions.push(body);
    this.counters.messagesEdited++;
    this.selfCheck(message.data);
    this.emitMessage('MESSAGE_UPDATE', message);
    this.changed();
    return message;
  }

  removeMessage(message: FakeMessage): void {
    if (message.deleted) return;
    message.deleted = true;
    this.counters.messagesDeleted++;
    const channel = this.channels.get(message.channelId);
    this.changed();
    if (!message.ephemeral) {
      this.emit('MESSAGE_DELETE', { id: message.id, channel_id: message.channelId, ...(channel?.guildId ? { guild_id: channel.guildId } : {}) }, this.messageIntent(channel));
    }
  }

  /** Any message by id in that channel, ephemeral and deleted ones included. */
  findMessage(channelId: string, messageId: string): FakeMessage | undefined {
    const message = this.messages.get(messageId);
    return message?.channelId === channelId ? message : undefined;
  }

  /** A live, non-ephemeral message of the channel, or throws 404 10008 as Discord does. */
  channelMessage(channelId: string, messageId: string): FakeMessage {
    const message = this.findMessage(channelId, messageId);
    if (!message || message.deleted || message.ephemeral) fail(404, ErrorCode.UnknownMessage);
    return message;
  }

  channelMessages(channelId: string): FakeMessage[] {
    return (this.byChannel.get(channelId) ?? []).filter((m) => !m.deleted);
  }

  messageById(messageId: string): FakeMessage | undefined {
    return this.messages.get(messageId);
  }

  /** The message an earlier create with this nonce made, if `enforce_nonce` applies and it is recent. */
  nonceHit(channelId: string, nonce: unknown, now = Date.now()): FakeMessage | undefined {
    if (typeof nonce !== 'string' && typeof nonce !== 'number') return undefined;
    const entry = this.nonces.get(`${channelId}:${String(nonce)}`);
    if (!entry || now - entry.at > this.config.nonceWindowMs) return undefined;
    const message = this.messages.get(entry.messageId);
    return message && !message.deleted ? message : undefined;
  }

  rememberNonce(channelId: string, nonce: unknown, messageId: string): void {
    if (typeof nonce === 'string' || typeof nonce === 'number') {
      this.nonces.set(`${channelId}:${String(nonce)}`, { messageId, at: Date.now() });
    }
  }

  // ------------------------------------------------------------------ internals

  private selfCheck(data: ApiMessage): void {
    const problems = checkResponseMessage(data);
    if (problems.length > 0) {
      this.violation(`emulator bug: message ${data.id} does not match MessageResponseSchema:\n  ${problems.map(formatProblem).join('\n  ')}`);
    }
  }

  private messageIntent(channel: ChannelRecord | undefined): number {
    return channel?.type === ChannelType.DM ? Intent.DirectMessages : Intent.GuildMessages;
  }

  private emitMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: FakeMessage): void {
    if (message.ephemeral) return;
    const channel = this.channels.get(message.channelId);
    const guildExtra = channel?.guildId
      ? { guild_id: channel.guildId, member: this.memberObject(this.config.applicationId) }
      : {};
    this.emit(t, { ...message.data, ...guildExtra }, this.messageIntent(channel));
  }
}
