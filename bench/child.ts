/**
 * The side under test runs in its own process, so its CPU and peak RSS are its own and not the
 * emulators'. run.ts forks this file (through tsx) and talks to it over IPC:
 *
 *   parent → child  { type: 'start', role, params }
 *   child  → parent { type: 'ready', info }         setup done, the measured work may begin
 *   parent → child  { type: 'go', data }            (optional) data known only once the side is ready
 *   parent → child  { type: 'stop' }                (roles that run until told to stop)
 *   child  → parent { type: 'result', result } | { type: 'error', message }
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Role = 'tracker' | 'baseline' | 'ticks' | 'scale-run';

export interface Control {
  ready(info?: unknown): void;
  /** Resolves with the parent's `go` data. */
  go: Promise<unknown>;
  /** Resolves when the parent says stop. */
  stopped: Promise<void>;
}

type Message = { type: 'start'; role: Role; params: unknown } | { type: 'go'; data: unknown } | { type: 'stop' };

export interface ChildHandle<R> {
  /** Resolves with the child's `ready` info. */
  ready: Promise<unknown>;
  go(data: unknown): void;
  /** Asks the child to stop and resolves with its result. */
  stop(): Promise<R>;
  /** Resolves with the result of a child that ends by itself. */
  result: Promise<R>;
  kill(): void;
}

const SELF = fileURLToPath(import.meta.url);

/** Forks this file with the parent's exec arguments (tsx's loader) and starts `role`. */
export function spawnSide<R>(role: Role, params: unknown, opts: { maxOldSpaceMb?: number } = {}): ChildHandle<R> {
  const execArgv = [...process.execArgv, ...(opts.maxOldSpaceMb ? [`--max-old-space-size=${opts.maxOldSpaceMb}`] : [])];
  const child: ChildProcess = fork(SELF, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  let resolveReady!: (info: unknown) => void;
  let resolveResult!: (r: R) => void;
  let rejectBoth!: (e: Error) => void;
  const ready = new Promise<unknown>((res, rej) => {
    resolveReady = res;
    rejectBoth = rej;
  });
  const result = new Promise<R>((res, rej) => {
    resolveResult = res;
    const previous = rejectBoth;
    rejectBoth = (e) => {
      previous(e);
      rej(e);
    };
  });
  // Unobserved rejections are reported through the other promise.
  ready.catch(() => undefined);
  result.catch(() => undefined);
  child.on('message', (raw) => {
    const msg = raw as { type: string; info?: unknown; result?: R; message?: string };
    if (msg.type === 'ready') resolveReady(msg.info);
    else if (msg.type === 'result') {
      resolveReady(undefined);
      resolveResult(msg.result as R);
    } else if (msg.type === 'error') rejectBoth(new Error(`${role} side failed: ${msg.message}`));
  });
  child.on('exit', (code, signal) => rejectBoth(new Error(`${role} side exited (code ${code}, signal ${signal}) before reporting`)));
  child.send({ type: 'start', role, params } satisfies Message);
  return {
    ready,
    result,
    go(data) {
      child.send({ type: 'go', data } satisfies Message);
    },
    async stop() {
      child.send({ type: 'stop' } satisfies Message);
      return result;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

async function runRole(role: Role, params: unknown, ctl: Control): Promise<unknown> {
  switch (role) {
    case 'tracker':
      return (await import('./tracker')).runTrackerSide(params as never, ctl);
    case 'baseline':
      return (await import('./baseline')).runBaselineSide(params as never, ctl);
    case 'ticks':
      return (await import('./scale')).runTickCost(params as never, ctl);
    case 'scale-run':
      return (await import('./scale-run')).runScalePoller(params as never, ctl);
  }
}

/** Child side: wait for 'start', run the role, report. */
function childMain(): void {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let go!: (data: unknown) => void;
  const started = new Promise<unknown>((resolve) => (go = resolve));
  const send = (msg: unknown) => process.send?.(msg);
  process.on('message', (raw) => {
    const msg = raw as Message;
    if (msg.type === 'stop') stop();
    if (msg.type === 'go') go(msg.data);
    if (msg.type !== 'start') return;
    runRole(msg.role, msg.params, { ready: (info) => send({ type: 'ready', info }), go: started, stopped })
      .then((result) => send({ type: 'result', result }))
      .catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .finally(() => {
        process.disconnect?.();
        setTimeout(() => process.exit(0), 200).unref();
      });
  });
}

if (process.send && process.argv[1] === SELF) childMain();
