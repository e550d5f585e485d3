import type { JobStep } from './types';

export interface TimelineOptions {
  /** Time in `created` before the job starts. */
  queueMs: number;
  /** Time from `started` to the outcome. */
  runMs: number;
  /** Gap between progress steps while running. */
  stepMs: number;
  outcome: 'completed' | 'failed' | 'moderated';
  /** Fields of the outcome step. */
  error?: string;
  errorDetails?: string;
  code?: number;
  embeds?: unknown[];
  extra?: Record<string, unknown>;
}

/**
 * A typical job: `created` at 0, `started` at queueMs, a `progress` step every stepMs with a strictly
 * rising percent (1..99; a step that would not raise it is skipped), the outcome at queueMs + runMs.
 */
export function timeline(opts: TimelineOptions): JobStep[] {
  const { queueMs, runMs, stepMs, outcome } = opts;
  for (const [name, value] of Object.entries({ queueMs, runMs })) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`timeline: ${name} must be a finite number >= 0`);
  }
  if (!Number.isFinite(stepMs) || stepMs <= 0) throw new Error('timeline: stepMs must be a finite number > 0');

  const steps: JobStep[] = [
    { afterMs: 0, status: 'created' },
    { afterMs: queueMs, status: 'started' },
  ];
  let lastPercent = 0;
  for (let at = stepMs; at < runMs; at += stepMs) {
    const percent = Math.min(99, Math.max(1, Math.floor((at / runMs) * 100)));
    if (percent <= lastPercent) continue;
    steps.push({ afterMs: queueMs + at, status: 'progress', progress: percent });
    lastPercent = percent;
  }

  const outcomeStep: JobStep = { afterMs: queueMs + runMs, status: outcome };
  if (opts.error !== undefined) outcomeStep.error = opts.error;
  if (opts.errorDetails !== undefined) outcomeStep.errorDetails = opts.errorDetails;
  if (opts.code !== undefined) outcomeStep.code = opts.code;
  if (opts.embeds !== undefined) outcomeStep.embeds = opts.embeds;
  if (opts.extra !== undefined) outcomeStep.extra = opts.extra;
  steps.push(outcomeStep);
  return steps;
}
