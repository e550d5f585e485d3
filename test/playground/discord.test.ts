import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonInteraction,
  ButtonStyle,
  ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  REST,
  Routes,
  SlashCommandBuilder,
  type Interaction,
  type Message,
  type TextChannel,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord/index';

const ALICE = { id: '200000000000000001', username: 'alice' };
const BOB = { id: '200000000000000002', username: 'bob' };

/** A real discord.js client logged in to the fake; `onInteraction` is what the "bot" does. */
async function startBot(fake: FakeDiscord) {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages], rest: { api: fake.apiUrl } });
  const errors: unknown[] = [];
  const bot = { client, errors, onInteraction: async (_i: Interaction): Promise<void> => {} };
  client.on(Events.InteractionCreate, (interaction) => {
    bot.onInteraction(interaction).catch((error: unknown) => errors.push(error));
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await withTimeout(ready, 3000, 'the client to become ready');
  return bot;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function textChannel(client: Client, id: string): Promise<TextChannel> {
  const channel = await client.channels.fetch(id);
  if (!channel?.isTextBased() || channel.isDMBased()) throw new Error(`channel ${id} is not a guild text channel`);
  return channel as TextChannel;
}

async function rawRequest(fake: FakeDiscord, method: string, path: string, body?: unknown) {
  const res = await fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers: { Authorization: `Bot ${fake.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('fake discord with a real discord.js client', () => {
  let fake: FakeDiscord;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let guildId: string;
  let general: string;
  let jobs: string;

  beforeAll(async () => {
    fake = await startFakeDiscord();
    bot = await startBot(fake);
    guildId = fake.guilds[0]!.id;
    general = fake.guilds[0]!.channels[0]!.id;
    jobs = fake.guilds[0]!.channels[1]!.id;
  });

  afterEach(() => {
    bot.onInteraction = async () => {};
    expect(bot.errors).toEqual([]);
    fake.assertClean();
  });

  afterAll(async () => {
    await bot?.client.destroy();
    await fake?.close();
  });

  it('logs in through READY and GUILD_CREATE: guild channels are cached', () => {
    expect(bot.client.user?.id).toBe(fake.botUserId);
    expect(bot.client.application?.id).toBe(fake.applicationId);
    expect(bot.client.guilds.cache.get(guildId)?.channels.cache.has(jobs)).toBe(true);
    expect(fake.counters.identifies).toBe(1);
  });

  it('registers commands built with SlashCommandBuilder (bodies pass the schema)', async () => {
    const command = new SlashCommandBuilder()
      .setName('track')
      .setDescription('Follow a job')
      .setDefaultMemberPermissions(0n)
      .addStringOption((o) => o.setName('job').setDescription('Job id').setRequired(true).setAutocomplete(true));
    const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
    const answer = (await rest.put(Routes.applicationGuildCommands(fake.applicationId, guildId), { body: [command.toJSON()] })) as Array<{ id: string; name: string }>;
    expect(answer.map((c) => c.name)).toEqual(['track']);
    expect(fake.commands(guildId)[0]?.id).toBe(answer[0]!.id);
  });

  it('slash command: defer ephemeral, then edit the reply', async () => {
    bot.onInteraction = async (interaction) => {
      if (!(interaction instanceof ChatInputCommandInteraction)) throw new Error('expected a chat input command');
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply(`Tracking ${interaction.options.getString('job', true)}`);
    };
    const handle = fake.slashCommand({ name: 'track', options: [{ name: 'job', type: 3, value: 'job-42' }], user: ALICE, guildId, channelId: general });

    const first = await handle.waitForResponse();
    expect(first).toMatchObject({ kind: 'callback', type: 5 });
    await handle.waitFor((h) => h.responses.some((r) => r.kind === 'edit-original'));
    expect(handle.ephemeral()).toBe(true);
    expect(handle.text()).toBe('Tracking job-42');
    expect(handle.original()?.data.flags).toBe(MessageFlags.Ephemeral); // the loading flag is gone
    expect(fake.channelMessages(general)).toEqual([]); // ephemeral: not in the channel
  });

  it('autocomplete: the choices come back as a type 8 callback', async () => {
    bot.onInteraction = async (interaction) => {
      if (!interaction.isAutocomplete()) throw new Error('expected autocomplete');
      const typed = interaction.options.getFocused();
      await interaction.respond([{ name: `job ${typed}1`, value: `${typed}1` }]);
    };
    const handle = fake.autocomplete({ name: 'track', options: [{ name: 'job', type: 3, value: 'ab', focused: true }], user: ALICE, guildId });
    expect(await handle.waitForResponse()).toMatchObject({ kind: 'callback', type: 8 });
    expect(handle.text()).toBe('job ab1');
  });

  it('a follow-up after a deferred reply replaces the loading message', async () => {
    bot.onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await interaction.followUp('done');
    };
    const handle = fake.slashCommand({ name: 'track', user: BOB, guildId, channelId: general });
    await handle.waitFor((h) => h.responses.length === 2);
    expect(fake.channelMessages(general).map((m) => m.data.content)).toEqual(['done']);
    expect(handle.followups()).toEqual([]);
  });

  it('channel message with nonce + enforce_nonce twice makes one message; then an edit', async () => {
    const channel = await textChannel(bot.client, jobs);
    const before = fake.channelMessages(jobs).length;
    const first = await channel.send({ content: 'job queued', nonce: 'job-42-v1', enforceNonce: true });
    const second = await channel.send({ content: 'job queued', nonce: 'job-42-v1', enforceNonce: true });

    expect(second.id).toBe(first.id);
    expect(fake.channelMessages(jobs)).toHaveLength(before + 1);
    expect(fake.counters.nonceDeduplicated).toBe(1);
    expect(fake.requests.filter((r) => r.dedupedByNonce)).toHaveLength(1);

    await first.edit({ content: 'job running' });
    const stored = fake.message(jobs, first.id)!;
    expect(stored.data.content).toBe('job running');
    expect(stored.data.edited_timestamp).not.toBeNull();
    expect(stored.versions.map((v) => v.content)).toEqual(['job queued', 'job running']);
    expect(fake.requests.at(-1)).toMatchObject({ route: 'PATCH /channels/:id/messages/:id', status: 200 });
  });

  it('DMs a user; closed DMs give DiscordAPIError 50007 (the DM channel is still created)', async () => {
    const alice = await bot.client.users.fetch(ALICE.id);
    await alice.send('your job is done');
    expect(fake.dmsTo(ALICE.id).map((m) => m.data.content)).toEqual(['your job is done']);

    fake.closeDms(BOB.id);
    const bob = await bot.client.users.fetch(BOB.id);
    const error = await bob.send('hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50007, status: 403 });
    expect(fake.dmChannelOf(BOB.id)).toBeDefined();
    expect(fake.dmsTo(BOB.id)).toEqual([]);
  });

  it('editing a deleted message gives DiscordAPIError 10008', async () => {
    const channel = await textChannel(bot.client, jobs);
    const message = await channel.send('soon gone');
    fake.deleteMessage(jobs, message.id);
    await expect(message.edit('too late')).rejects.toMatchObject({ code: 10008, status: 404 });
  });

  it('a revoked or deleted channel answers 403 50001 / 404 10003', async () => {
    const channel = await textChannel(bot.client, general);
    fake.revokeAccess(general);
    await expect(channel.send('x')).rejects.toMatchObject({ code: 50001, status: 403 });
    fake.restoreAccess(general);
    await channel.send('back');
    const other = await textChannel(bot.client, jobs);
    fake.deleteChannel(jobs);
    await expect(other.send('x')).rejects.toMatchObject({ code: 10003, status: 404 });
  });

  it('an over-long embed title is a violation and a 400 50035', async () => {
    const channel = await textChannel(bot.client, general);
    const error = await channel.send({ embeds: [{ title: 'x'.repeat(300) }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect((error as Error).message).toContain('embeds[0].title');
    const violations = fake.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/create_message[\s\S]*embeds\[0\]\.title: Must be 256 or fewer in length \(got 300\)/);
  });

  it('a link button with a custom_id is a violation', async () => {
    const channel = await textChannel(bot.client, general);
    const row = { type: 1, components: [{ type: 2, style: ButtonStyle.Link, label: 'Open', url: 'https://example.com', custom_id: 'x' }] };
    await expect(channel.send({ content: 'x', components: [row] })).rejects.toMatchObject({ code: 50035 });
    expect(fake.takeViolations().join('\n')).toContain('components[0].components[0].custom_id: A link button cannot have a custom_id');
  });

  it('a button click reaches the client as a ButtonInteraction; update() edits the message', async () => {
    const channel = await textChannel(bot.client, general);
    const button = new ButtonBuilder().setCustomId('cancel:job-42').setLabel('Cancel').setStyle(ButtonStyle.Danger);
    const message = await channel.send({ content: 'job running', components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)] });

    let received: Interaction | undefined;
    bot.onInteraction = async (interaction) => {
      received = interaction;
      if (interaction.isButton()) await interaction.update({ content: 'job cancelled', components: [] });
    };
    const handle = fake.clickButton({ customId: 'cancel:job-42', messageId: message.id, channelId: general, guildId, user: ALICE });
    expect(await handle.waitForResponse()).toMatchObject({ kind: 'callback', type: 7 });
    expect(received).toBeInstanceOf(ButtonInteraction);
    expect((received as ButtonInteraction).message.id).toBe(message.id);
    expect(fake.message(general, message.id)?.data.content).toBe('job cancelled');
  });

  it('a 5xx from failNext is retried by discord.js', async () => {
    const channel = await textChannel(bot.client, general);
    const message = await channel.send('v1');
    fake.failNext('PATCH /channels/:id/messages/:id', 502);
    const edited = await message.edit('v2');
    expect(edited.content).toBe('v2');
    expect(fake.counters.injectedFailures).toBe(1);
    expect(fake.requests.slice(-2).map((r) => r.status)).toEqual([502, 200]);
  });

  it('a file upload arrives as multipart and becomes an attachment', async () => {
    const channel = await textChannel(bot.client, general);
    const message = await channel.send({ content: 'grid', files: [{ attachment: Buffer.from('png bytes'), name: 'grid.png' }] });
    expect(message.attachments.first()?.name).toBe('grid.png');
    const request = fake.requests.at(-1)!;
    expect(request.body).toMatchObject({ content: 'grid' });
    expect(request.files).toMatchObject([{ name: 'grid.png', size: 9 }]);
  });

  it('resumes after a gateway disconnect and still gets interactions', async () => {
    fake.disconnectGateway(4000);
    await fake.waitFor(() => fake.counters.resumes === 1, 3000, 'the client to RESUME');
    bot.onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('pong');
    };
    const handle = fake.slashCommand({ name: 'ping', user: ALICE, guildId });
    expect(await handle.waitForResponse()).toMatchObject({ kind: 'callback', type: 4, body: { content: 'pong' } });
    expect(fake.counters.identifies).toBe(1);
  });

  it('an unknown route is a 404 and a violation', async () => {
    const res = await rawRequest(fake, 'GET', '/channels/123456789012345678/pins/nothing');
    expect(res.status).toBe(404);
    expect(fake.takeViolations()).toEqual(['GET /channels/123456789012345678/pins/nothing: unknown route (404)']);
  });
});

describe('rate limits', () => {
  it('failFor: a 429 with Retry-After up to the end of the window, then normal answers; onChange hears the message', async () => {
    const fake = await startFakeDiscord();
    try {
      const channel = fake.guilds[0]!.channels[0]!.id;
      const changes: string[] = [];
      fake.onChange(() => changes.push(fake.channelMessages(channel).at(-1)?.data.content ?? 'none'));
      const until = Date.now() + 200;
      fake.failFor('/channels/*', 429, 200);
      const limited = await rawRequest(fake, 'POST', `/channels/${channel}/messages`, { content: 'a' });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(0.2);
      expect(limited.body).toMatchObject({ message: 'You are being rate limited.', global: false });
      expect(changes).toEqual([]);
      await fake.waitFor(() => Date.now() >= until, 1000, 'the end of the window');
      const sent = await rawRequest(fake, 'POST', `/channels/${channel}/messages`, { content: 'b' });
      expect(sent.status).toBe(200);
      expect(changes).toEqual(['b']);
      fake.assertClean();
    } finally {
      await fake.close();
    }
  });

  it('announced per-channel bucket: real headers, and a 429 with Retry-After when exceeded', async () => {
    const fake = await startFakeDiscord({ rateLimits: { perChannelMessages: { limit: 2, windowMs: 1000 } } });
    try {
      const channel = fake.guilds[0]!.channels[0]!.id;
      const a = await rawRequest(fake, 'POST', `/channels/${channel}/messages`, { content: 'a' });
      expect(a.headers.get('x-ratelimit-limit')).toBe('2');
      expect(a.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(Number(a.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0);
      expect(a.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
      await rawRequest(fake, 'PATCH', `/channels/${channel}/messages/${String(a.body!.id)}`, { content: 'b' });
      const limited = await rawRequest(fake, 'PATCH', `/channels/${channel}/messages/${String(a.body!.id)}`, { content: 'c' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({ message: 'You are being rate limited.', global: false });
      expect(limited.body!.retry_after).toBeGreaterThan(0);
      expect(fake.counters.rateLimited429).toBe(1);
      fake.assertClean();
    } finally {
      await fake.close();
    }
  });

  it('6 quick edits against an undisclosed per-channel limit: a 429 is counted and discord.js still succeeds', async () => {
    const fake = await startFakeDiscord({ rateLimits: { perChannelMessages: { limit: 5, windowMs: 500, announce: false } } });
    const bot = await startBot(fake);
    try {
      const channel = await textChannel(bot.client, fake.guilds[0]!.channels[0]!.id);
      const message = await channel.send('v0');
      const edits = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => message.edit(`v${n}`)));
      expect(edits.map((m: Message) => m.content)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
      expect(fake.counters.rateLimited429).toBeGreaterThanOrEqual(1);
      expect(fake.requests.filter((r) => r.status === 429).length).toBe(fake.counters.rateLimited429);
      expect(fake.message(channel.id, message.id)?.data.content).toBe('v6');
      fake.assertClean();
    } finally {
      await bot.client.destroy();
      await fake.close();
    }
  });

  it('announced bucket: discord.js waits by itself instead of hitting 429', async () => {
    const fake = await startFakeDiscord({ rateLimits: { perChannelMessages: { limit: 3, windowMs: 200 } } });
    const bot = await startBot(fake);
    try {
      const channel = await textChannel(bot.client, fake.guilds[0]!.channels[0]!.id);
      const message = await channel.send('v0');
      const started = Date.now();
      await Promise.all([1, 2, 3, 4].map((n) => message.edit(`v${n}`)));
      expect(fake.counters.rateLimited429).toBe(0);
      expect(fake.counters.bucketExhausted).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150); // it waited for the window
    } finally {
      await bot.client.destroy();
      await fake.close();
    }
  });

  it('global limit: 429 with X-RateLimit-Global', async () => {
    const fake = await startFakeDiscord({ rateLimits: { globalPerSecond: 2 } });
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof rawRequest>> | undefined;
      for (let i = 0; i < 3; i++) {
        last = await rawRequest(fake, 'GET', '/users/@me');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last!.headers.get('x-ratelimit-global')).toBe('true');
      expect(last!.body).toMatchObject({ global: true });
      expect(fake.counters.globalRateLimited429).toBe(1);
    } finally {
      await fake.close();
    }
  });
});

describe('interaction rules', () => {
  it('a late acknowledgement gets 10062; a second callback gets 40060; both are violations', async () => {
    const fake = await startFakeDiscord({ interactionAckTimeoutMs: 100 });
    const bot = await startBot(fake);
    try {
      let lateError: unknown;
      bot.onInteraction = async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        await new Promise((resolve) => setTimeout(resolve, 150));
        lateError = await interaction.deferReply().catch((e: unknown) => e);
      };
      const late = fake.slashCommand({ name: 'slow', user: ALICE, guildId: fake.guilds[0]!.id });
      await fake.waitFor(() => lateError !== undefined, 2000, 'the late deferReply to fail');
      expect(lateError).toMatchObject({ code: 10062, status: 404 });
      expect(late.responses).toEqual([]);

      bot.onInteraction = async () => {};
      const twice = fake.slashCommand({ name: 'twice', user: ALICE, guildId: fake.guilds[0]!.id });
      const callback = `/interactions/${twice.id}/${twice.token}/callback`;
      expect((await rawRequest(fake, 'POST', callback, { type: 4, data: { content: 'one' } })).status).toBe(204);
      const again = await rawRequest(fake, 'POST', callback, { type: 4, data: { content: 'two' } });
      expect(again).toMatchObject({ status: 400, body: { code: 40060 } });
      expect(twice.text()).toBe('one');

      const violations = fake.takeViolations();
      expect(violations).toHaveLength(2);
      expect(violations[0]).toMatch(/acknowledged after \d+ ms \(Discord allows 100 ms\)/);
      expect(violations[1]).toMatch(/acknowledged twice/);
    } finally {
      await bot.client.destroy();
      await fake.close();
    }
  });
});

describe('gateway', () => {
  it('closes with 4004 on a wrong token at IDENTIFY', async () => {
    const fake = await startFakeDiscord();
    try {
      const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
      const closed = new Promise<number>((resolve, reject) => {
        ws.on('message', (raw: Buffer) => {
          const payload = JSON.parse(raw.toString()) as { op: number };
          if (payload.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
        });
        ws.on('close', (c) => resolve(c));
        ws.on('error', reject);
      });
      try {
        expect(await withTimeout(closed, 2000, 'the gateway to close')).toBe(4004);
      } finally {
        ws.terminate();
      }
    } finally {
      await fake.close();
    }
  });
});
