/**
 * The gateway side: plain-JSON WebSocket (no compression), HELLO → IDENTIFY → READY + GUILD_CREATE,
 * heartbeat ACKs, RESUME with replay of missed dispatches, and dispatch of events to the bot.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import type { FakeDiscordCounters, JsonObject } from './types';

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export const Intent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
} as const;

export const CloseCode = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
} as const;

/** Dispatches kept per session for RESUME replay. */
const REPLAY_BUFFER = 1000;

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  buffer: Dispatch[];
  socket: WebSocket | undefined;
}

export interface GatewayHooks {
  token: string;
  heartbeatIntervalMs: number;
  counters: FakeDiscordCounters;
  /** The READY `d` for a new session. */
  ready(sessionId: string, resumeGatewayUrl: string): JsonObject;
  /** One GUILD_CREATE `d` per guild, sent right after READY. */
  guildCreates(): JsonObject[];
  resumeGatewayUrl(): string;
}

export class GatewayServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly hooks: GatewayHooks) {
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  /** Takes over an HTTP upgrade on /gateway; other paths are refused. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!request.url?.startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
  }

  /** Whether a bot ever identified (dispatches to a disconnected session wait for its RESUME). */
  hasSession(): boolean {
    return this.sessions.size > 0;
  }

  /** Sends an event to every session whose intents cover `intent` (no intent: to all). */
  dispatch(t: string, d: unknown, intent?: number): void {
    for (const session of this.sessions.values()) {
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      const event: Dispatch = { s: ++session.seq, t, d };
      session.buffer.push(event);
      if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
      send(session.socket, { op: Op.Dispatch, ...event });
    }
  }

  /** Closes every connection with `code`; sessions stay resumable (4000) as on Discord. */
  disconnectAll(code: number = CloseCode.UnknownError): void {
    for (const socket of this.wss.clients) socket.close(code, 'fake discord: disconnect');
  }

  /** Forgets every session, then closes the connections: a RESUME is answered with INVALID_SESSION (not resumable). */
  invalidateSessions(code: number = CloseCode.UnknownError): void {
    this.sessions.clear();
    this.disconnectAll(code);
  }

  /** Tells every connected client its session is invalid (op 9, not resumable) and forgets the sessions. */
  invalidateAll(): void {
    for (const session of this.sessions.values()) send(session.socket, { op: Op.InvalidSession, d: false, s: null, t: null });
    this.sessions.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    let session: Session | undefined;
    send(socket, { op: Op.Hello, d: { heartbeat_interval: this.hooks.heartbeatIntervalMs }, s: null, t: null });

    socket.on('message', (raw: Buffer) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(raw.toString()) as { op?: unknown; d?: unknown };
      } catch {
        socket.close(CloseCode.DecodeError, 'Decode error');
        return;
      }
      const d = (payload.d ?? {}) as JsonObject;
      switch (payload.op) {
        case Op.Heartbeat:
          this.hooks.counters.heartbeats++;
          send(socket, { op: Op.HeartbeatAck, d: null, s: null, t: null });
          return;
        case Op.Identify:
          if (session) return socket.close(CloseCode.AlreadyAuthenticated, 'Already authenticated');
          if (stripBot(d.token) !== this.hooks.token) return socket.close(CloseCode.AuthenticationFailed, 'Authentication failed');
          session = this.identify(socket, typeof d.intents === 'number' ? d.intents : 0);
          return;
        case Op.Resume: {
          const resumed = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
          if (stripBot(d.token) !== this.hooks.token) return socket.close(CloseCode.AuthenticationFailed, 'Authentication failed');
          if (!resumed) {
            send(socket, { op: Op.InvalidSession, d: false, s: null, t: null });
            return;
          }
          session = resumed;
          this.resume(session, socket, typeof d.seq === 'number' ? d.seq : 0);
          return;
        }
        case Op.PresenceUpdate:
        case Op.VoiceStateUpdate:
        case Op.RequestGuildMembers:
          if (!session) socket.close(CloseCode.NotAuthenticated, 'Not authenticated');
          return; // accepted, nothing to answer in this fake
        default:
          socket.close(CloseCode.UnknownOpcode, 'Unknown opcode');
      }
    });

    socket.on('close', () => {
      if (session?.socket === socket) session.socket = undefined;
    });
  }

  private identify(socket: WebSocket, intents: number): Session {
    this.hooks.counters.identifies++;
    const session: Session = { id: randomBytes(16).toString('hex'), intents, seq: 0, buffer: [], socket };
    this.sessions.set(session.id, session);
    const dispatchTo = (t: string, d: unknown) => {
      const event = { s: ++session.seq, t, d };
      session.buffer.push(event);
      send(socket, { op: Op.Dispatch, ...event });
    };
    dispatchTo('READY', this.hooks.ready(session.id, this.hooks.resumeGatewayUrl()));
    for (const guild of this.hooks.guildCreates()) dispatchTo('GUILD_CREATE', guild);
    return session;
  }

  private resume(session: Session, socket: WebSocket, lastSeq: number): void {
    this.hooks.counters.resumes++;
    if (session.socket && session.socket !== socket) session.socket.terminate();
    session.socket = socket;
    for (const event of session.buffer) if (event.s > lastSeq) send(socket, { op: Op.Dispatch, ...event });
    send(socket, { op: Op.Dispatch, s: ++session.seq, t: 'RESUMED', d: {} });
  }
}

function send(socket: WebSocket | undefined, payload: unknown): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
}

function stripBot(token: unknown): string | undefined {
  return typeof token === 'string' ? token.replace(/^Bot /, '') : undefined;
}
