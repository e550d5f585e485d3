/** Pure functions from a task script and a moment to the task a midjourney-proxy shows. */
import { firstEndOf, sortSteps } from '../emulator/steps';
import { timeline, type TimelineOptions } from '../useapi/timeline';
import type { MjButton, MjStep, MjTask, MjTaskScript } from './types';

export const TERMINAL_STATUSES: readonly string[] = ['SUCCESS', 'FAILURE', 'CANCEL'];
export const DEFAULT_PROMPT = 'a lighthouse on a cliff at dusk --ar 16:9';
export const DEFAULT_FAIL_REASON = 'Midjourney job failed';
/** trueai's own moderation string (`TaskInfo.Fail`). */
export const BANNED_FAIL_REASON = 'Banned prompt detected';

const STATUS_OF_USEAPI: Record<string, string> = {
  created: 'NOT_START',
  started: 'SUBMITTED',
  progress: 'IN_PROGRESS',
  completed: 'SUCCESS',
  failed: 'FAILURE',
};

/**
 * A typical task: NOT_START at 0, SUBMITTED at queueMs, IN_PROGRESS every stepMs with a rising percent,
 * then SUCCESS, FAILURE, CANCEL or a banned-prompt FAILURE at queueMs + runMs.
 */
export function mjTimeline(opts: Pick<TimelineOptions, 'queueMs' | 'runMs' | 'stepMs'> & { outcome: 'SUCCESS' | 'FAILURE' | 'CANCEL' | 'banned'; failReason?: string }): MjStep[] {
  const steps: MjStep[] = timeline({ ...opts, outcome: 'completed' }).map((step) => ({ ...step, status: STATUS_OF_USEAPI[step.status] ?? step.status }));
  const outcome = steps.at(-1)!;
  if (opts.outcome === 'banned') Object.assign(outcome, { status: 'FAILURE', failReason: BANNED_FAIL_REASON });
  else outcome.status = opts.outcome;
  if (opts.failReason !== undefined) outcome.failReason = opts.failReason;
  return steps;
}

export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Emulator time of the first SUCCESS, FAILURE or CANCEL step. */
export function terminalTimeOf(script: MjTaskScript): number | undefined {
  return firstEndOf(script, isTerminal);
}

const BUTTONS: MjButton[] = [
  ...[1, 2, 3, 4].map((n) => ({ customId: `MJ::JOB::upsample::${n}::`, emoji: '', label: `U${n}`, style: 2, type: 2 })),
  { customId: 'MJ::JOB::reroll::0::', emoji: '🔄', label: '', style: 2, type: 2 },
  ...[1, 2, 3, 4].map((n) => ({ customId: `MJ::JOB::variation::${n}::`, emoji: '', label: `V${n}`, style: 2, type: 2 })),
];

function progressText(step: MjStep, previous: number | undefined): { percent: number | undefined; text: string | null } {
  const percent = step.progress ?? (step.status === 'SUCCESS' ? 100 : step.status === 'SUBMITTED' ? 0 : previous);
  if (step.status === 'FAILURE' || step.status === 'CANCEL') return { percent, text: '' };
  return { percent, text: percent === undefined ? null : `${Math.min(100, Math.max(0, Math.round(percent)))}%` };
}

/**
 * The task at `t` with pictures under `imageBase` (`…/attachments/<channel>`), or undefined while it is unknown:
 * before its first step or `visibleAfterMs`, or when `gone`.
 */
export function mjTaskAt(script: MjTaskScript, t: number, imageBase: string): MjTask | undefined {
  const startAt = script.startAt ?? 0;
  const elapsed = t - startAt;
  if (script.gone || elapsed < (script.visibleAfterMs ?? 0)) return undefined;
  let step: MjStep | undefined;
  let percent: number | undefined;
  let startTime: number | null = null;
  let finishTime: number | null = null;
  for (const next of sortSteps(script.steps)) {
    if (next.afterMs > elapsed) break;
    step = next;
    percent = progressText(next, percent).percent;
    if (startTime === null && next.status !== 'NOT_START') startTime = startAt + next.afterMs;
    if (finishTime === null && isTerminal(next.status)) finishTime = startAt + next.afterMs;
  }
  if (!step) return undefined;
  const prompt = script.prompt ?? DEFAULT_PROMPT;
  const id = script.jobid;
  const task: MjTask = {
    id,
    action: script.action ?? 'IMAGINE',
    status: step.status,
    prompt,
    promptEn: prompt,
    description: `/imagine ${prompt}`,
    state: '',
    submitTime: startAt,
    startTime,
    finishTime,
    imageUrl: step.status === 'IN_PROGRESS' ? `${imageBase}/${id}/${id}_preview.png` : step.status === 'SUCCESS' ? `${imageBase}/${id}/${id}.png` : null,
    imageUrls: step.status === 'SUCCESS' ? [0, 1, 2, 3].map((n) => ({ url: `${imageBase}/${id}/${id}_${n}.png` })) : [],
    progress: progressText(step, percent).text,
    failReason: step.status === 'FAILURE' ? (step.failReason ?? DEFAULT_FAIL_REASON) : (step.failReason ?? null),
    properties: { finalPrompt: prompt, discordInstanceId: '1234567890123456789' },
    buttons: step.status === 'SUCCESS' ? BUTTONS : [],
  };
  if (step.extra) Object.assign(task, step.extra);
  return task;
}
