/**
 * A loopback Discord for end-to-end tests, the demo and benchmarks: REST over HTTP and the gateway
 * over WebSocket on one 127.0.0.1 port, driving the real discord.js Client. Every request body is
 * checked against Discord's schemas; see README.md beside this file.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents: [Guilds, DirectMessages], rest: { api: fake.apiUrl } });
 *   await client.login(fake.token);
 *   const reply = fake.slashCommand({ name: 'track', user: { id: '…' }, guildId: fake.guilds[0].id });
 *   await reply.waitForResponse();
 *   fake.assertClean();
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayServer } from './gateway';
import { Interactions } from './interactions';
import { buildRoutes } from './routes';
import { RestHandler } from './server';
import { resolveConfig, type ResolvedConfig } from './config';
import { ChannelType, DiscordState } from './state';
import type {
  AssertCleanOptions,
  ButtonClickOptions,
  FakeDiscord,
  FakeDiscordOptions,
  FakeGuild,
  FakeMessage,
  InteractionHandle,
  JsonObject,
  SlashCommandOptions,
} from './types';

export type * from './types';
export { BODY_RULES } from './validation';
export { messageText } from './messages';

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new LoopbackDiscord(resolveConfig(opts));
  await fake.listen();
  return fake;
}

class LoopbackDiscord implements FakeDiscord {
  private readonly state: DiscordState;
  private readonly gateway: GatewayServer;
  private readonly interactions: Interactions;
  private readonly rest: RestHandler;
  private readonly server: Server;
  private port = 0;

  constructor(private readonly config: ResolvedConfig) {
    this.state = new DiscordState(config);
    this.gateway = new GatewayServer({
      token: config.token,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      counters: this.state.counters,
      ready: (sessionId, resumeGatewayUrl) => ({
        v: 10,
        user: { ...this.state.botUser, verified: true, mfa_enabled: false, email: null },
        guilds: config.guilds.map((g) => ({ id: g.id, unavailable: true })),
        session_id: sessionId,
        session_type: 'normal',
        resume_gateway_url: resumeGatewayUrl,
        shard: [0, 1],
        application: { id: config.applicationId, flags: 0 },
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        user_settings: {},
        geo_ordered_rtc_regions: ['loopback'],
        _trace: ['["fake-discord",{"micros":0}]'],
      }),
      guildCreates: () => config.guilds.map((g) => this.state.guildCreate(g)),
      resumeGatewayUrl: () => this.gatewayUrl,
    });
    this.state.emit = (t, d, intent) => this.gateway.dispatch(t, d, intent);
    this.interactions = new Interactions(this.state, this.gateway);
    this.rest = new RestHandler(this.state, buildRoutes({ state: this.state, interactions: this.interactions, gatewayUrl: () => this.gatewayUrl }));
    this.server = createServer((req, res) => {
      this.rest.handle(req, res).catch((error: unknown) => {
        this.state.violation(`emulator bug: ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: '500: Internal Server Error', code: 0 }));
      });
    });
    this.server.on('upgrade', (req, socket, head: Buffer) => this.gateway.handleUpgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.state.baseUrl = `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get token(): string {
    return this.config.token;
  }

  get applicationId(): string {
    return this.config.applicationId;
  }

  get botUserId(): string {
    return this.config.applicationId;
  }

  get guilds(): readonly FakeGuild[] {
    return this.config.guilds;
  }

  get requests() {
    return this.state.requests;
  }

  get violations() {
    return this.state.violations;
  }

  get counters() {
    return this.state.counters;
  }

  assertClean(options: AssertCleanOptions = {}): void {
    const allow = options.allow ?? [];
    const left = this.state.violations.filter((v) => !allow.some((re) => re.test(v)));
    if (left.length === 0) return;
    const report = left.map((v, i) => `${i + 1}. ${v}`).join('\n');
    throw new Error(`fake discord: ${left.length} violation(s):\n${report}`);
  }

  onChange(listener: () => void): () => void {
    this.state.changeListeners.add(listener);
    return () => this.state.changeListeners.delete(listener);
  }

  takeViolations(): string[] {
    return this.state.violations.splice(0);
  }

  // ------------------------------------------------------------------ inspection

  channelMessages(channelId: string): FakeMessage[] {
    return this.state.channelMessages(channelId);
  }

  message(channelId: string, messageId: string): FakeMessage | undefined {
    return this.state.findMessage(channelId, messageId);
  }

  dmChannelOf(userId: string): string | undefined {
    return this.state.dmChannelId(userId);
  }

  dmsTo(userId: string): FakeMessage[] {
    const channelId = this.state.dmChannelId(userId);
    return channelId === undefined ? [] : this.state.channelMessages(channelId);
  }

  commands(guildId?: string): JsonObject[] {
    return this.state.commands.list(guildId);
  }

  // ------------------------------------------------------------------ interactions

  slashCommand(opts: SlashCommandOptions): InteractionHandle {
    return this.interactions.slashCommand(opts);
  }

  autocomplete(opts: SlashCommandOptions): InteractionHandle {
    const options = opts.options ?? [];
    if (!hasFocused(options)) throw new Error('fake discord: autocomplete needs one option with focused: true');
    return this.interactions.slashCommand(opts, 4);
  }

  clickButton(opts: ButtonClickOptions): InteractionHandle {
    return this.interactions.clickButton(opts);
  }

  // ------------------------------------------------------------------ fault injection

  deleteMessage(channelId: string, messageId: string): void {
    const message = this.state.findMessage(channelId, messageId);
    if (!message) throw new Error(`fake discord: deleteMessage: no message ${messageId} in channel ${channelId}`);
    this.state.removeMessage(message);
  }

  deleteChannel(channelId: string): void {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`fake discord: deleteChannel: unknown channel ${channelId}`);
    channel.deleted = true;
    if (channel.type === ChannelType.GuildText) this.gateway.dispatch('CHANNEL_DELETE', this.state.channelObject(channel));
  }

  revokeAccess(channelId: string, code: 50001 | 50013 = 50001): void {
    this.setAccess(channelId, code);
  }

  restoreAccess(channelId: string): void {
    this.setAccess(channelId, undefined);
  }

  closeDms(userId: string): void {
    this.state.closedDms.add(userId);
  }

  openDms(userId: string): void {
    this.state.closedDms.delete(userId);
  }

  expireInteraction(interactionId: string): void {
    this.interactions.expire(interactionId);
  }

  failNext(routePattern: string, status: number, times = 1, body?: JsonObject, headers?: Record<string, string>): void {
    this.rest.failNext(routePattern, status, times, body, headers);
  }

  delayArrivalOfRequest(nth: number, ms: number): void {
    this.rest.delayArrival(this.state.counters.requests + nth, ms);
  }

  setLatency(ms: number): void {
    this.config.latencyMs = ms;
  }

  sendInvalidSession(): void {
    this.gateway.invalidateAll();
  }

  /** Ends every injected failure still pending, e.g. an outage started with `failNext('*', 502, Infinity)`. */
  clearFailures(): void {
    this.rest.clearFailures();
  }

  failFor(routePattern: string, status: number, durationMs: number): void {
    this.rest.failFor(routePattern, status, durationMs);
  }

  disconnectGateway(closeCode?: number): void {
    this.gateway.disconnectAll(closeCode);
  }

  /** Closes the gateway connections and forgets their sessions, so the bot's RESUME gets INVALID_SESSION and it identifies anew. */
  invalidateGatewaySessions(closeCode?: number): void {
    this.gateway.invalidateSessions(closeCode);
  }

  // ------------------------------------------------------------------ waiting, lifecycle

  async waitFor(predicate: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() >= deadline) {
        const recent = this.state.requests
          .slice(-8)
          .map((r) => `  ${r.method} ${r.path} → ${r.status}`)
          .join('\n');
        const violations = this.state.violations.length > 0 ? `\nviolations:\n  ${this.state.violations.join('\n  ')}` : '';
        throw new Error(`fake discord: timed out after ${timeoutMs} ms waiting for ${what}.\nlast requests:\n${recent || '  (none)'}${violations}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private setAccess(channelId: string, code: 50001 | 50013 | undefined): void {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`fake discord: unknown channel ${channelId}`);
    if (code === undefined) delete channel.revoked;
    else channel.revoked = code;
    if (channel.type === ChannelType.GuildText) this.gateway.dispatch('CHANNEL_UPDATE', this.state.channelObject(channel));
  }
}

function hasFocused(options: NonNullable<SlashCommandOptions['options']>): boolean {
  return options.some((o) => o.focused === true || hasFocused(o.options ?? []));
}
