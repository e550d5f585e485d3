/** Scripted timelines: a job is a list of steps, each visible from `afterMs` after the script's start. */

export interface TimedStep {
  afterMs: number;
}

/** Steps sorted by time; steps at the same time keep their order (the later one wins). */
export function sortSteps<Step extends TimedStep>(steps: readonly Step[]): Step[] {
  return [...steps].sort((a, b) => a.afterMs - b.afterMs);
}

/** The last step reached `elapsedMs` after the start, or undefined before the first. */
export function stepAt<Step extends TimedStep>(steps: readonly Step[], elapsedMs: number): Step | undefined {
  let reached: Step | undefined;
  for (const step of sortSteps(steps)) {
    if (step.afterMs > elapsedMs) break;
    reached = step;
  }
  return reached;
}

/**
 * A copy of the script for addJob, its steps sorted and `startAt` defaulting to `now`. Throws on a script
 * without a job id, without steps (unless gone), or with a step at a bad time.
 */
export function checkedScript<Script extends { jobid: string; gone?: unknown; startAt?: number; steps: readonly TimedStep[] }>(script: Script, now: number): Script {
  if (typeof script.jobid !== 'string' || script.jobid === '') throw new Error('addJob: jobid is required');
  if (!script.gone && script.steps.length === 0) throw new Error(`addJob(${script.jobid}): steps must not be empty`);
  for (const step of script.steps) {
    if (!Number.isFinite(step.afterMs) || step.afterMs < 0) {
      throw new Error(`addJob(${script.jobid}): afterMs must be a finite number >= 0, got ${step.afterMs}`);
    }
  }
  return { ...script, startAt: script.startAt ?? now, steps: sortSteps(script.steps.map((step) => ({ ...step }))) };
}

/** An emulator's `addJob` and `terminalAt` over its map of scripts, on the emulator's clock. */
export function scriptControls<Script extends { jobid: string; gone?: unknown; startAt?: number; steps: readonly TimedStep[] }>(
  jobs: Map<string, Script>,
  now: () => number,
  terminalTimeOf: (script: Script) => number | undefined,
): { addJob(script: Script): void; terminalAt(jobid: string): number | undefined } {
  return {
    addJob: (script) => void jobs.set(script.jobid, checkedScript(script, now())),
    terminalAt(jobid) {
      const script = jobs.get(jobid);
      return script && terminalTimeOf(script);
    },
  };
}

/** The fields of a scripted job that decide whether it can be seen at all. */
export interface VisibleScript<Step extends TimedStep = TimedStep> {
  jobid: string;
  /** Emulator clock (ms) when the timeline starts; also the record's `created`. */
  startAt?: number;
  /** The job answers 404 until this long after `startAt`. */
  visibleAfterMs?: number;
  /** The job always answers this status (unknown or expired job). */
  gone?: 404 | 410;
  /** Sorted by `afterMs` (stable). The job is not visible (404) before the first step. */
  steps: Step[];
}

export type ScriptedAnswer<Body> = { status: 200; body: Body } | { status: 404 | 410; body: { error: string } };

/**
 * What GET of one job answers at `t` in the useapi.net family: 404 before it is visible or while `gone: 404`,
 * 410 once older than `retentionMs` or while `gone: 410`, else 200 with `recordAt(t)` (undefined: 404).
 */
export function scriptedAnswerAt<Body>(script: VisibleScript, t: number, retentionMs: number, recordAt: (t: number) => Body | undefined): ScriptedAnswer<Body> {
  const notFound = { status: 404 as const, body: { error: 'Job not found' } };
  const expired = { status: 410 as const, body: { error: `Job ${script.jobid} has expired` } };
  if (script.gone === 410) return expired;
  if (script.gone === 404) return notFound;
  const elapsed = t - (script.startAt ?? 0);
  if (elapsed < (script.visibleAfterMs ?? 0)) return notFound;
  if (elapsed > retentionMs) return expired;
  const record = recordAt(t);
  return record ? { status: 200, body: record } : notFound;
}

/** Emulator time of the script's first step whose status `ends`; undefined for gone jobs or jobs that never end. */
export function firstEndOf(script: VisibleScript<TimedStep & { status: string }>, ends: (status: string) => boolean): number | undefined {
  if (script.gone) return undefined;
  const terminal = sortSteps(script.steps).find((step) => ends(step.status));
  return terminal && (script.startAt ?? 0) + terminal.afterMs;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** mm:ss, minutes going past 59. */
export function minutesSeconds(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}
