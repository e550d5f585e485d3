/**
 * The jobs the playground's scenario buttons create: one job script per upstream and outcome, its
 * timeline divided by the speed (a 60 s job at ×20 is over in 3 s).
 */
import { dreaminaTimeline, makeDreaminaJobId, type DreaminaJobScript } from './dreamina';
import { flowTimeline, makeGoogleFlowJobId, type FlowJobScript } from './google-flow';
import { makeMjProxyTaskId, mjTimeline, type MjTaskScript } from './mj-proxy';
import { makeJobId, RETENTION_MS, timeline, type JobScript } from './useapi';

export const SCENARIOS = ['completes', 'fails', 'moderated', 'refused', 'not-found', 'expired'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const KINDS = ['image', 'video'] as const;
export type Kind = (typeof KINDS)[number];

/** The upstreams a job can be made on, the scenarios that make sense there, and whether it makes images or videos. */
export const UPSTREAMS = [
  { id: 'midjourney', label: 'Midjourney v3 via useapi.net', scenarios: SCENARIOS, kinds: [] },
  { id: 'google-flow', label: 'Google Flow via useapi.net', scenarios: ['completes', 'fails', 'moderated', 'not-found'], kinds: KINDS },
  { id: 'dreamina', label: 'Dreamina via useapi.net', scenarios: ['completes', 'fails', 'moderated', 'not-found'], kinds: KINDS },
  { id: 'mj-proxy', label: 'midjourney-proxy', scenarios: ['completes', 'fails', 'moderated', 'not-found'], kinds: [] },
] as const satisfies ReadonlyArray<{ id: string; label: string; scenarios: readonly Scenario[]; kinds: readonly Kind[] }>;
export type Upstream = (typeof UPSTREAMS)[number]['id'];
export const SPEEDS = [1, 5, 20] as const;
export type Speed = (typeof SPEEDS)[number];

const PROMPTS = [
  'a lighthouse on a cliff at dusk --ar 16:9',
  'a red fox asleep in fresh snow, soft morning light --ar 3:2',
  'isometric cozy bookshop interior, warm lamps --ar 1:1',
  'a paper boat on a rainy street, cinematic --ar 16:9',
  'portrait of a clockwork owl, intricate brass --ar 2:3',
  'a koi pond seen from above, ink wash painting --ar 1:1',
];

/** Time a job waits in the queue before it starts, at ×1. */
const QUEUE_MS = 3000;

/** What Midjourney answers for a request it refuses outright: 422, no images, no buttons. */
const REFUSED_STEP = {
  status: 'moderated',
  code: 422,
  error: 'Invalid request',
  errorDetails: 'No start frame provided',
  extra: { response: {} },
} as const;

export interface ScenarioRequest {
  /** Default: midjourney. */
  upstream?: Upstream;
  /** Google Flow and Dreamina: an image or a video job. Default: image. */
  kind?: Kind;
  scenario: Scenario;
  /** How long the job renders at ×1, in seconds (completes, fails, moderated). */
  durationS: number;
  speed: Speed;
  /** Which job this is, to vary the prompt (and so the pictures' colours). */
  serial: number;
  now: number;
}

/** The script for the upstream's emulator, or just an id nobody knows (not-found). */
export type ScenarioJob =
  | { upstream: 'midjourney'; jobid: string; script?: JobScript }
  | { upstream: 'google-flow'; jobid: string; script?: FlowJobScript }
  | { upstream: 'dreamina'; jobid: string; script?: DreaminaJobScript }
  | { upstream: 'mj-proxy'; jobid: string; script?: MjTaskScript };

/** Dreamina's documented failure text is a content-risk one (a moderation); a plain failure needs its own [INF]. */
const DREAMINA_PLAIN_FAILURE = { error: 'fail_code: 1000', errorDetails: 'Generation failed, please try again' };

/** For a scenario the upstream lists (the page server checks the request). */
export function scenarioJob(request: ScenarioRequest): ScenarioJob {
  const { scenario, speed, now } = request;
  const upstream = request.upstream ?? 'midjourney';
  const midjourneyPrompt = PROMPTS[request.serial % PROMPTS.length]!;
  // `--ar` is Midjourney's syntax; Google Flow and Dreamina take the aspect ratio as a separate field.
  const prompt = upstream === 'google-flow' || upstream === 'dreamina' ? midjourneyPrompt.replace(/ --\S+ \S+/g, '') : midjourneyPrompt;
  const scale = (ms: number) => Math.max(1, Math.round(ms / speed));
  const queueMs = scale(QUEUE_MS);
  const runMs = scale(Math.max(1, request.durationS) * 1000);
  const type = request.kind === 'video' ? 'v' : 'i';
  const at = new Date(now);
  switch (upstream) {
    case 'google-flow': {
      const jobid = makeGoogleFlowJobId({ at, type });
      if (scenario === 'not-found') return { upstream, jobid };
      const outcome = scenario === 'completes' ? 'completed' : scenario === 'fails' ? 'failed' : 'moderated';
      return { upstream, jobid, script: { jobid, prompt, startAt: now, steps: flowTimeline({ queueMs, runMs, outcome }) } };
    }
    case 'dreamina': {
      const jobid = makeDreaminaJobId({ at, type });
      if (scenario === 'not-found') return { upstream, jobid };
      const steps = dreaminaTimeline({ runMs: queueMs + runMs, outcome: scenario === 'completes' ? 'completed' : 'failed' });
      if (scenario === 'fails') Object.assign(steps.at(-1)!, DREAMINA_PLAIN_FAILURE);
      return { upstream, jobid, script: { jobid, prompt, startAt: now, steps } };
    }
    case 'mj-proxy': {
      const jobid = makeMjProxyTaskId({ at });
      if (scenario === 'not-found') return { upstream, jobid };
      const outcome = scenario === 'completes' ? 'SUCCESS' : scenario === 'fails' ? 'FAILURE' : 'banned';
      return { upstream, jobid, script: { jobid, prompt, startAt: now, steps: mjTimeline({ queueMs, runMs, stepMs: Math.max(1, Math.floor(runMs / 10)), outcome }) } };
    }
    case 'midjourney':
      return { upstream, ...midjourneyJob({ scenario, prompt, queueMs, runMs, now }) };
  }
}

function midjourneyJob(opts: { scenario: Scenario; prompt: string; queueMs: number; runMs: number; now: number }): { jobid: string; script?: JobScript } {
  const { scenario, prompt, queueMs, runMs, now } = opts;
  const jobid = makeJobId({ at: new Date(scenario === 'expired' ? now - RETENTION_MS - 86_400_000 : now) });
  switch (scenario) {
    case 'completes':
    case 'fails':
    case 'moderated': {
      const outcome = scenario === 'completes' ? 'completed' : scenario === 'fails' ? 'failed' : 'moderated';
      const steps = timeline({ queueMs, runMs, stepMs: Math.max(1, Math.floor(runMs / 10)), outcome });
      return { jobid, script: { jobid, prompt, startAt: now, steps } };
    }
    case 'refused':
      return { jobid, script: { jobid, prompt, startAt: now, steps: [{ afterMs: 0, status: 'created' }, { afterMs: queueMs, ...REFUSED_STEP }] } };
    case 'expired':
      return { jobid, script: { jobid, prompt, startAt: now - RETENTION_MS - 86_400_000, steps: timeline({ queueMs: 1000, runMs: 30_000, stepMs: 5000, outcome: 'completed' }) } };
    case 'not-found':
      return { jobid };
  }
}
