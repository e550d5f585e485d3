/**
 * The jobs the playground's scenario buttons create: one useapi job script per outcome, its
 * timeline divided by the speed (a 60 s job at ×20 is over in 3 s).
 */
import { makeJobId, RETENTION_MS, timeline, type JobScript } from './useapi';

export const SCENARIOS = ['completes', 'fails', 'moderated', 'refused', 'not-found', 'expired'] as const;
export type Scenario = (typeof SCENARIOS)[number];
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
  scenario: Scenario;
  /** How long the job renders at ×1, in seconds (completes, fails, moderated). */
  durationS: number;
  speed: Speed;
  /** Which job this is, to vary the prompt (and so the pictures' colours). */
  serial: number;
  now: number;
}

/** The script for the useapi emulator, or just an id nobody knows (not-found). */
export function scenarioJob(request: ScenarioRequest): { jobid: string; script?: JobScript } {
  const { scenario, speed, now } = request;
  const prompt = PROMPTS[request.serial % PROMPTS.length]!;
  const scale = (ms: number) => Math.max(1, Math.round(ms / speed));
  const runMs = scale(Math.max(1, request.durationS) * 1000);
  const jobid = makeJobId({ at: new Date(scenario === 'expired' ? now - RETENTION_MS - 86_400_000 : now) });
  switch (scenario) {
    case 'completes':
    case 'fails':
    case 'moderated': {
      const outcome = scenario === 'completes' ? 'completed' : scenario === 'fails' ? 'failed' : 'moderated';
      const steps = timeline({ queueMs: scale(QUEUE_MS), runMs, stepMs: Math.max(1, Math.floor(runMs / 10)), outcome });
      return { jobid, script: { jobid, prompt, startAt: now, steps } };
    }
    case 'refused':
      return { jobid, script: { jobid, prompt, startAt: now, steps: [{ afterMs: 0, status: 'created' }, { afterMs: scale(QUEUE_MS), ...REFUSED_STEP }] } };
    case 'expired':
      return { jobid, script: { jobid, prompt, startAt: now - RETENTION_MS - 86_400_000, steps: timeline({ queueMs: 1000, runMs: 30_000, stepMs: 5000, outcome: 'completed' }) } };
    case 'not-found':
      return { jobid };
  }
}
