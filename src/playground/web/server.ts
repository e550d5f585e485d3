/**
 * The playground's web page and its small JSON API, on node:http: what a person sees in a channel
 * (ephemeral answers included), slash commands, autocomplete and button clicks sent through the
 * loopback Discord's gateway as real interactions, the scenario controls (controls.ts), and live
 * updates as server-sent events.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BOT_NAME, GENERAL_CHANNEL_ID, GUILD_ID, PERSONAS, REVIEWER_ROLE_ID, type Persona } from '../guild';
import { SPEEDS, UPSTREAMS } from '../scenarios';
import type { MediaCdn } from '../emulator/cdn';
import type { FakeDiscord, FakeMessage, InteractionHandle, InteractionOption } from '../discord';
import { PICTURE_ORIGIN, VIDEO_ORIGIN } from '../dreamina';
import { MEDIA_ORIGIN as FLOW_MEDIA_ORIGIN } from '../google-flow';
import { MEDIA_BASE as MJ_PROXY_MEDIA_BASE } from '../mj-proxy';
import { localMediaUrl, MEDIA_HOSTS as USEAPI_MEDIA_HOSTS } from '../useapi';
import { createControls, type PlaygroundUpstreams } from './controls';
import { BadRequest, readJson, sendJson } from './json';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};
/** The hosts of the emulators' media links: the page shows (and links) them through its /media proxy. */
const MEDIA_HOSTS = [...new Set([...USEAPI_MEDIA_HOSTS, ...[FLOW_MEDIA_ORIGIN, VIDEO_ORIGIN, PICTURE_ORIGIN, MJ_PROXY_MEDIA_BASE].map((url) => new URL(url).hostname)])];

export interface PlaygroundServer {
  url: string;
  close(): Promise<void>;
}

interface SentInteraction {
  handle: InteractionHandle;
  userId: string;
  channelId: string;
  command?: string;
}

export async function startPlaygroundServer(opts: { port: number; discord: FakeDiscord; upstreams: PlaygroundUpstreams; cdn?: MediaCdn }): Promise<PlaygroundServer> {
  const { discord } = opts;
  const { useapi, googleFlow, dreamina, mjProxy } = opts.upstreams;
  const interactions: SentInteraction[] = [];
  const listeners = new Set<ServerResponse>();

  let pending: NodeJS.Timeout | undefined;
  const broadcast = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      for (const res of listeners) res.write(`event: change\ndata: ${Date.now()}\n\n`);
    }, 30);
  };
  const unsubscribe = discord.onChange(broadcast);
  const controls = createControls(discord, opts.upstreams, broadcast);

  const persona = (id: unknown): Persona => {
    const found = PERSONAS.find((p) => p.id === id);
    if (!found) throw new BadRequest(`unknown user ${String(id)}`);
    return found;
  };
  const nameOf = (id: string) => (id === discord.botUserId ? BOT_NAME : (PERSONAS.find((p) => p.id === id)?.name ?? `user ${id.slice(-4)}`));
  const channelOf = (user: Persona, channelId: unknown): { channelId: string; guildId?: string } => {
    if (channelId === 'dm') return { channelId: discord.dmChannelOf(user.id) ?? '' };
    const channel = discord.guilds[0]!.channels.find((c) => c.id === channelId);
    if (!channel) throw new BadRequest(`unknown channel ${String(channelId)}`);
    return { channelId: channel.id, guildId: GUILD_ID };
  };
  /** Who sends an interaction, and where: a server channel, or the person's DM with the bot. */
  const context = (user: Persona, channelId: unknown): { user: { id: string; username: string; globalName: string }; guildId?: string; channelId?: string; memberPermissions?: string; roles?: string[] } => {
    const where = channelOf(user, channelId);
    return {
      user: { id: user.id, username: user.name.toLowerCase(), globalName: user.name },
      ...(where.guildId === undefined ? {} : { guildId: where.guildId, channelId: where.channelId, memberPermissions: user.permissions, roles: user.roles }),
    };
  };

  function view(userId: string, channelParam: string) {
    const user = persona(userId);
    const channelId = channelOf(user, channelParam).channelId || undefined;
    const visible: FakeMessage[] = channelId ? [...discord.channelMessages(channelId)] : [];
    for (const sent of interactions) {
      if (sent.userId !== user.id || sent.channelId !== channelId) continue;
      for (const message of [sent.handle.original(), ...sent.handle.followups()]) {
        if (message?.ephemeral && !message.deleted && !visible.includes(message)) visible.push(message);
      }
    }
    visible.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return {
      channelId: channelId ?? null,
      messages: visible.map((message) => {
        const sent = interactions.find((i) => i.handle.id === message.interactionId);
        return {
          id: message.id,
          ephemeral: message.ephemeral,
          data: message.data,
          ...(sent ? { interaction: { user: nameOf(sent.userId), command: sent.command ?? null } } : {}),
        };
      }),
      dmCount: discord.dmsTo(user.id).length,
      violations: discord.violations,
      ...controls.state(),
    };
  }

  function world() {
    const guild = discord.guilds[0]!;
    return {
      guild: { id: guild.id, name: guild.name, channels: guild.channels },
      defaultChannelId: GENERAL_CHANNEL_ID,
      bot: { id: discord.botUserId, name: BOT_NAME },
      personas: PERSONAS,
      roles: [{ id: REVIEWER_ROLE_ID, name: 'reviewers' }],
      commands: discord.commands(GUILD_ID),
      upstreams: UPSTREAMS,
      speeds: SPEEDS,
      mediaHosts: opts.cdn ? [...MEDIA_HOSTS, new URL(opts.cdn.url).hostname] : MEDIA_HOSTS,
    };
  }

  async function runCommand(body: Record<string, unknown>) {
    const user = persona(body.user);
    const name = typeof body.name === 'string' ? body.name : '';
    if (!discord.commands(GUILD_ID).some((c) => c.name === name)) throw new BadRequest(`/${name} is not a command of this bot`);
    const options = Array.isArray(body.options) ? (body.options as InteractionOption[]) : [];
    const ctx = context(user, body.channelId);
    if (body.autocomplete === true) {
      const handle = discord.autocomplete({ name, options, ...ctx });
      const answer = await handle.waitForResponse(3000);
      return { choices: (answer.body as { choices?: unknown[] }).choices ?? [] };
    }
    const handle = discord.slashCommand({ name, options, ...ctx });
    interactions.push({ handle, userId: user.id, channelId: ctx.channelId ?? discord.dmChannelOf(user.id)!, command: name });
    await handle.waitForResponse(3500);
    broadcast();
    return { ok: true };
  }

  async function click(body: Record<string, unknown>) {
    const user = persona(body.user);
    const ctx = context(user, body.channelId);
    const channelId = ctx.channelId ?? discord.dmChannelOf(user.id) ?? '';
    const handle = discord.clickButton({ ...ctx, channelId, messageId: String(body.messageId), customId: String(body.customId) });
    interactions.push({ handle, userId: user.id, channelId });
    await handle.waitForResponse(3500);
    broadcast();
    return { ok: true };
  }

  /**
   * Pictures the page shows: the emulators' media, and the loopback Discord's attachments; nothing from outside.
   * midjourney-proxy's Discord attachments are told from useapi's by their channel, so they are asked first.
   */
  async function media(res: ServerResponse, link: string) {
    // A link on the media CDN is a documented link moved there: ask its emulator directly.
    const url = opts.cdn && link.startsWith(`${opts.cdn.url}/`) ? `https://${link.slice(opts.cdn.url.length + 1)}` : link;
    const local =
      mjProxy.localMediaUrl(url) ??
      googleFlow.localMediaUrl(url) ??
      dreamina.localMediaUrl(url) ??
      localMediaUrl(useapi.url, url) ??
      (url.startsWith(`${new URL(discord.apiUrl).origin}/`) ? url : null);
    if (!local) return sendJson(res, 404, { error: 'only the emulators’ media are shown here' });
    const answer = await fetch(local);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'max-age=3600' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  const posts: Record<string, (body: Record<string, unknown>) => unknown> = {
    '/api/command': runCommand,
    '/api/click': click,
    ...controls.posts,
    '/api/dismiss-violations': () => ({ dismissed: discord.takeViolations().length }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = STATIC_FILES[url.pathname];
    if (req.method === 'GET' && page) {
      res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' });
      res.end(await readFile(`${PAGE_DIR}${page.file}`));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('event: change\ndata: 0\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/world') return sendJson(res, 200, world());
    if (req.method === 'GET' && url.pathname === '/api/view') {
      return sendJson(res, 200, view(url.searchParams.get('user') ?? '', url.searchParams.get('channel') ?? ''));
    }
    if (req.method === 'GET' && url.pathname === '/media') return media(res, url.searchParams.get('url') ?? '');
    const post = posts[url.pathname];
    if (req.method === 'POST' && post) return sendJson(res, 200, await post(await readJson(req)));
    sendJson(res, 404, { error: 'not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof BadRequest ? 400 : 500;
      if (!res.headersSent) sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      unsubscribe();
      clearTimeout(pending);
      for (const res of listeners) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
