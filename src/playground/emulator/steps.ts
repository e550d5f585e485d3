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

/** Throws on a script without a job id, without steps (unless gone), or with a step at a bad time. */
export function validateScript(script: { jobid: string; gone?: unknown; steps: readonly TimedStep[] }, what = 'addJob'): void {
  if (typeof script.jobid !== 'string' || script.jobid === '') throw new Error(`${what}: jobid is required`);
  if (!script.gone && script.steps.length === 0) throw new Error(`${what}(${script.jobid}): steps must not be empty`);
  for (const step of script.steps) {
    if (!Number.isFinite(step.afterMs) || step.afterMs < 0) {
      throw new Error(`${what}(${script.jobid}): afterMs must be a finite number >= 0, got ${step.afterMs}`);
    }
  }
}

/** A copy of the script with its steps sorted and `startAt` defaulting to `now`. */
export function normalizeScript<Script extends { startAt?: number; steps: readonly TimedStep[] }>(script: Script, now: number): Script {
  return { ...script, startAt: script.startAt ?? now, steps: sortSteps(script.steps.map((step) => ({ ...step }))) };
}
