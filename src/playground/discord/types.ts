/** Public types of the loopback Discord (see index.ts and README.md), and the guard for a JSON object. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface FakeDiscordOptions {
  /** Default 'fake-bot-token'. REST requests must carry `Authorization: Bot <token>` (interaction and webhook routes excepted). */
  token?: string;
  /** Snowflake string; also the bot user's id. Default: a generated snowflake. */
  applicationId?: string;
  /** Bot user name. Default 'Tracker Bot'. */
  botUsername?: string;
  /** Default: one guild with two text channels. */
  guilds?: GuildConfig[];
  /** Default false (off). */
  rateLimits?: false | RateLimitOptions;
  /** Artificial delay before every REST answer, in ms. Default 0. */
  latencyMs?: number;
  /** HELLO heartbeat_interval in ms. Default 41250 (Discord's). */
  heartbeatIntervalMs?: number;
  /** Time the bot has to acknowledge an interaction. Default 3000 ms (Discord's). */
  interactionAckTimeoutMs?: number;
  /** How long a `nonce` + `enforce_nonce` is remembered per channel. Default 10 minutes. */
  nonceWindowMs?: number;
  /** Bytes of all files one request may upload; more answers 413 40005. Default 10 MiB (a bot's limit without boosts). */
  uploadLimitBytes?: number;
}

export interface GuildConfig {
  id: string;
  name?: string;
  channels: Array<{ id: string; name?: string }>;
}

export interface FakeGuild {
  id: string;
  name: string;
  channels: Array<{ id: string; name: string }>;
}

export interface RateLimitOptions {
  /**
   * One bucket per channel shared by POST /channels/{c}/messages and PATCH/DELETE
   * /channels/{c}/messages/{m}, a fixed window of `limit` requests per `windowMs`.
   *
   * `announce` (default true) sends the bucket in X-RateLimit-* headers as Discord does; discord.js
   * then queues by itself and never gets a 429 from this bucket (count `bucketExhausted` instead).
   * With `announce: false` the limit behaves like one of Discord's undisclosed sublimits: no
   * headers until the 429, so a client that sends too fast gets 429s (counted in `rateLimited429`).
   */
  perChannelMessages?: { limit: number; windowMs: number; announce?: boolean };
  /**
   * Requests per second across all authenticated routes (interaction and webhook routes excepted).
   * Like Discord, not announced in headers: exceeding it gives a global 429.
   */
  globalPerSecond?: number;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path below /api/v10, e.g. '/webhooks/1/tok/messages/@original'. */
  path: string;
  /** Raw query string without '?', '' if none. */
  query: string;
  /** Templated route, e.g. 'PATCH /channels/:id/messages/:id'; 'UNKNOWN' when no route matched. */
  route: string;
  /** Parsed JSON body, or the parsed `payload_json` of a multipart body; undefined without body. */
  body: unknown;
  /** Files of a multipart body. */
  files: Array<{ field: string; name: string; size: number; contentType: string }>;
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
  durationMs: number;
  /** Set when a `nonce` + `enforce_nonce` made the fake return an earlier message instead of a new one. */
  dedupedByNonce?: boolean;
}

export type MessageSource = 'channel' | 'interaction' | 'followup';

/** A message object as the fake returns it (all fields discord.js needs). */
export interface ApiMessage extends JsonObject {
  id: string;
  channel_id: string;
  author: JsonObject;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: string[];
  attachments: JsonObject[];
  embeds: JsonObject[];
  components: JsonObject[];
  pinned: boolean;
  type: number;
  flags: number;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  source: MessageSource;
  /** Ephemeral interaction responses live outside channelMessages() (only the user sees them). */
  ephemeral: boolean;
  /** The interaction this message answers, for interaction responses and follow-ups. */
  interactionId?: string;
  /** Current state, exactly as the fake returns it over REST. */
  data: ApiMessage;
  /** Every body received for this message, in order: the create (or callback) body, then each edit. */
  versions: JsonObject[];
  deleted: boolean;
}

export interface FakeUser {
  id: string;
  username?: string;
  globalName?: string;
}

export interface InteractionOption {
  name: string;
  /** ApplicationCommandOptionType: 1 sub command, 2 group, 3 string, 4 integer, 5 boolean, 10 number, ... */
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: InteractionOption[];
}

interface InteractionContext {
  user: FakeUser;
  /** Omit for a DM interaction. */
  guildId?: string;
  /** Default: the guild's first channel, or the user's DM channel for a DM interaction. */
  channelId?: string;
  /** Bitfield string. Default: every permission. */
  memberPermissions?: string;
  /** Bitfield string for the bot in this channel. Default: every permission. */
  appPermissions?: string;
  roles?: string[];
  locale?: string;
}

export interface SlashCommandOptions extends InteractionContext {
  name: string;
  options?: InteractionOption[];
}

export interface ButtonClickOptions extends InteractionContext {
  customId: string;
  messageId: string;
  channelId: string;
}

export type InteractionResponseKind =
  | 'callback'
  | 'edit-original'
  | 'delete-original'
  | 'followup'
  | 'edit-followup'
  | 'delete-followup';

export interface InteractionResponse {
  kind: InteractionResponseKind;
  /** Callback type (4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  type?: number;
  /** Callback `data`, or the webhook body (edit / follow-up). */
  body: JsonObject;
  /** Message created or edited by this response, if any. */
  messageId?: string;
  at: number;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** 2 application command, 3 message component, 4 autocomplete. */
  readonly type: number;
  /** In order of arrival. Only accepted requests are recorded (rejected ones are in `violations`). */
  readonly responses: InteractionResponse[];
  /** Resolves with the first response (normally the callback). */
  waitForResponse(timeoutMs?: number): Promise<InteractionResponse>;
  /** Resolves once predicate(handle) holds. */
  waitFor(predicate: (handle: InteractionHandle) => boolean, timeoutMs?: number): Promise<InteractionHandle>;
  /** Whether the callback asked for an ephemeral response (flags & 64). */
  ephemeral(): boolean;
  /** The original response message in its current state, if there is one. */
  original(): FakeMessage | undefined;
  followups(): FakeMessage[];
  /**
   * Text of the latest state, for easy assertions: content, embed titles, descriptions, field names
   * and values and footers of the original response (or of the last response body when there is no
   * message, e.g. autocomplete choices), one per line.
   */
  text(): string;
}

export interface FakeDiscordCounters {
  requests: number;
  /** All 429s answered (per-channel and global). */
  rateLimited429: number;
  globalRateLimited429: number;
  /** Responses that announced `X-RateLimit-Remaining: 0` (discord.js then waits by itself). */
  bucketExhausted: number;
  nonceDeduplicated: number;
  messagesCreated: number;
  messagesEdited: number;
  messagesDeleted: number;
  dmChannelsCreated: number;
  invalidBodies: number;
  injectedFailures: number;
  interactionsSent: number;
  identifies: number;
  resumes: number;
  heartbeats: number;
}

export interface AssertCleanOptions {
  /** Violations matching one of these are tolerated (for tests that provoke them on purpose). */
  allow?: RegExp[];
}

export interface FakeDiscord {
  /** e.g. http://127.0.0.1:PORT/api: pass as `rest: { api }` to discord.js. */
  readonly apiUrl: string;
  /** ws://127.0.0.1:PORT/gateway (what GET /gateway/bot answers). */
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly guilds: readonly FakeGuild[];
  readonly requests: RecordedRequest[];
  /** Schema violations, protocol misuse and requests to unknown routes, one readable entry each. */
  readonly violations: string[];
  readonly counters: FakeDiscordCounters;
  /** Throws with a readable report when `violations` is not empty. */
  assertClean(options?: AssertCleanOptions): void;
  /** Calls `listener` after every message create, edit or delete and every violation; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Returns the violations so far and clears them (for tests that provoke some on purpose). */
  takeViolations(): string[];

  /** Non-ephemeral messages of a guild or DM channel, oldest first (deleted ones excluded). */
  channelMessages(channelId: string): FakeMessage[];
  /** A message by id (ephemeral interaction responses included; deleted ones too, flagged). */
  message(channelId: string, messageId: string): FakeMessage | undefined;
  dmChannelOf(userId: string): string | undefined;
  dmsTo(userId: string): FakeMessage[];
  /** Application commands as last registered (global: guildId undefined). */
  commands(guildId?: string): JsonObject[];

  slashCommand(opts: SlashCommandOptions): InteractionHandle;
  autocomplete(opts: SlashCommandOptions): InteractionHandle;
  clickButton(opts: ButtonClickOptions): InteractionHandle;

  // Fault injection
  /** Later GET/PATCH/DELETE of it → 404 {code: 10008}. */
  deleteMessage(channelId: string, messageId: string): void;
  /** Later requests on it → 404 {code: 10003}; CHANNEL_DELETE is dispatched. */
  deleteChannel(channelId: string): void;
  /** Requests on it → 403 (50001 Missing Access, default, or 50013 Missing Permissions). */
  revokeAccess(channelId: string, code?: 50001 | 50013): void;
  restoreAccess(channelId: string): void;
  /** Sending to the user's DM channel → 403 {code: 50007}; creating the DM channel still works. */
  closeDms(userId: string): void;
  openDms(userId: string): void;
  /** The interaction's token stops working: webhook routes → 401 {code: 50027}. */
  expireInteraction(interactionId: string): void;
  /**
   * The next `times` (default 1) requests whose templated route matches answer `status`.
   * Pattern: 'PATCH /channels/:id/messages/:id', or without the method, '*' as wildcard.
   */
  failNext(routePattern: string, status: number, times?: number, body?: JsonObject, headers?: Record<string, string>): void;
  /** Every REST answer from now on waits this long (slow Discord). */
  setLatency(ms: number): void;
  /** The `nth` REST request from now on (1 = the next) is handled `ms` later than the others: it reaches "Discord" late. */
  delayArrivalOfRequest(nth: number, ms: number): void;
  /** Sends INVALID_SESSION (not resumable) on every connection and forgets the sessions: clients identify anew. */
  sendInvalidSession(): void;
  clearFailures(): void;
  /** Like failNext, for every matching request during `durationMs`; a 429 carries Retry-After up to its end. */
  failFor(routePattern: string, status: number, durationMs: number): void;
  /** Closes every gateway connection with this code (default 4000: the client resumes). */
  disconnectGateway(closeCode?: number): void;
  /** Closes every gateway connection and forgets the sessions: the client's RESUME gets INVALID_SESSION (not resumable). */
  invalidateGatewaySessions(closeCode?: number): void;

  /** Resolves when predicate() is true; rejects with a useful message after timeoutMs (default 2000). */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}
