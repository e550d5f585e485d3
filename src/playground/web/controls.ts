/**
 * The playground's scenario controls: jobs made on the emulators per scenario, their speed, an
 * account incident on the useapi.net token, and a while of Discord refusing the bot's messages.
 */
import type { FakeDiscord } from '../discord';
import type { DreaminaEmulator } from '../dreamina';
import type { GoogleFlowEmulator } from '../google-flow';
import type { MjProxyEmulator } from '../mj-proxy';
import { SCENARIOS, SPEEDS, UPSTREAMS, scenarioJob, type Kind, type Scenario, type Speed, type Upstream } from '../scenarios';
import type { AccountFault, UseapiEmulator } from '../useapi';
import { BadRequest } from './json';

const ACCOUNT_FAULTS: readonly AccountFault[] = [401, 402, 596];
/**
 * What the Discord fault buttons break: the bot's channel and DM messages and the edits of its
 * /track answers (not the answers themselves, which a person would just see fail).
 */
const MESSAGE_ROUTES = ['/channels/*', 'PATCH /webhooks/:id/:token/messages/@original'];

/** The emulators the scenario buttons make jobs on. */
export interface PlaygroundUpstreams {
  useapi: UseapiEmulator;
  googleFlow: GoogleFlowEmulator;
  dreamina: DreaminaEmulator;
  mjProxy: MjProxyEmulator;
}

interface CreatedJob {
  jobid: string;
  upstream: Upstream;
  kind?: Kind;
  scenario: Scenario;
  at: number;
}

type Post = (body: Record<string, unknown>) => unknown;

export interface Controls {
  /** What the page shows of the controls: speed, faults under way, the latest jobs made. */
  state(): { speed: Speed; accountFault: AccountFault | null; discordFault: { kind: 'rate-limit' | 'failure'; until: number } | null; jobs: CreatedJob[] };
  /** The page API's routes that work the controls. */
  posts: Record<string, Post>;
}

/** `changed`: the page should look again. */
export function createControls(discord: FakeDiscord, upstreams: PlaygroundUpstreams, changed: () => void): Controls {
  const { useapi, googleFlow, dreamina, mjProxy } = upstreams;
  const jobs: CreatedJob[] = [];
  let speed: Speed = 1;
  let accountFault: AccountFault | null = null;
  let discordFault: { kind: 'rate-limit' | 'failure'; until: number } | null = null;

  function createJob(body: Record<string, unknown>) {
    const upstream = UPSTREAMS.find((u) => u.id === (body.upstream ?? 'midjourney'));
    if (!upstream) throw new BadRequest(`unknown upstream ${String(body.upstream)}`);
    const scenario = body.scenario as Scenario;
    if (!SCENARIOS.includes(scenario)) throw new BadRequest(`unknown scenario ${String(body.scenario)}`);
    if (!(upstream.scenarios as readonly Scenario[]).includes(scenario)) throw new BadRequest(`${upstream.label} has no “${scenario}” scenario`);
    const kinds: readonly Kind[] = upstream.kinds;
    const kind = body.kind === undefined && kinds.length ? 'image' : (body.kind as Kind | undefined);
    if (kind !== undefined && !kinds.includes(kind)) throw new BadRequest(kinds.length ? `kind must be ${kinds.join(' or ')}` : `${upstream.label} jobs have no kind`);
    const durationS = Number(body.durationS ?? 30);
    if (!Number.isFinite(durationS) || durationS < 1 || durationS > 3600) throw new BadRequest('duration must be 1–3600 seconds');
    const job = scenarioJob({ upstream: upstream.id, ...(kind && { kind }), scenario, durationS, speed, serial: jobs.length, now: Date.now() });
    if (job.upstream === 'midjourney' && job.script) useapi.addJob(job.script);
    if (job.upstream === 'google-flow' && job.script) googleFlow.addJob(job.script);
    if (job.upstream === 'dreamina' && job.script) dreamina.addJob(job.script);
    if (job.upstream === 'mj-proxy' && job.script) mjProxy.addJob(job.script);
    jobs.push({ jobid: job.jobid, upstream: upstream.id, ...(kind && { kind }), scenario, at: Date.now() });
    changed();
    return { jobid: job.jobid };
  }

  function setAccount(body: Record<string, unknown>) {
    const fault = body.status === null ? null : (Number(body.status) as AccountFault);
    if (fault !== null && !ACCOUNT_FAULTS.includes(fault)) throw new BadRequest('account incident must be 401, 402, 596 or null');
    accountFault = fault;
    // One useapi.net token serves Midjourney v3, Google Flow and Dreamina alike.
    for (const emulator of [useapi, googleFlow, dreamina]) emulator.setAccountFault(fault);
    changed();
    return { ok: true };
  }

  function breakDiscord(body: Record<string, unknown>) {
    const kind = body.kind === 'rate-limit' ? 'rate-limit' : body.kind === 'failure' ? 'failure' : null;
    const seconds = Number(body.seconds ?? 20);
    if (!kind || !Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new BadRequest('kind must be rate-limit or failure, seconds 1–600');
    for (const route of MESSAGE_ROUTES) discord.failFor(route, kind === 'rate-limit' ? 429 : 503, seconds * 1000);
    discordFault = { kind, until: Date.now() + seconds * 1000 };
    changed();
    setTimeout(changed, seconds * 1000 + 50).unref();
    return { ok: true };
  }

  function setSpeed(body: Record<string, unknown>) {
    const wanted = Number(body.speed) as Speed;
    if (!SPEEDS.includes(wanted)) throw new BadRequest('speed must be 1, 5 or 20');
    speed = wanted;
    changed();
    return { ok: true };
  }

  return {
    state() {
      if (discordFault && discordFault.until <= Date.now()) discordFault = null;
      return { speed, accountFault, discordFault, jobs: jobs.slice(-12).reverse() };
    },
    posts: { '/api/job': createJob, '/api/account': setAccount, '/api/discord-fault': breakDiscord, '/api/speed': setSpeed },
  };
}
