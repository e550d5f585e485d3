/**
 * Types of the useapi.net Dreamina v1 emulator. Shapes follow /work/shared/providers.md §1.2; what is
 * inferred there ([INF]) is inferred here too (see README.md in this folder).
 */
import type { EmulatorHandle, EmulatorOptions, LoggedRequest } from '../emulator/faults';
import type { UseapiAccountFault } from '../emulator/useapi';
import type { ScriptedAnswer, VisibleScript } from '../emulator/steps';

export interface DreaminaStep {
  afterMs: number;
  /** created ("Processing") | completed | failed, or anything else (sent as is). */
  status: string;
  /** Failed steps: defaults "fail_code: 2043" and an OutputVideoRisk… errorDetails. */
  error?: string;
  errorDetails?: string;
  /** Default: 200. */
  code?: number;
  /** Merged last into the top level of the record. */
  extra?: Record<string, unknown>;
}

export interface DreaminaJobScript extends VisibleScript<DreaminaStep> {
  /** Default: 'a lighthouse on a cliff at dusk'. */
  prompt?: string;
  /** Default: 'seedance-2.0' for videos, 'seedream-4.0' for images. */
  model?: string;
  /** Images of an image job. Default: 4. */
  count?: number;
}

export type DreaminaEmulatorOptions = EmulatorOptions;

export type DreaminaRoute = 'job' | 'list' | 'other';
export type DreaminaRequest = LoggedRequest<DreaminaRoute>;

/** The bot reads `${url}/v1/dreamina/videos/${jobid}` or `/images/`. */
export interface DreaminaEmulator extends EmulatorHandle<DreaminaRoute, UseapiAccountFault> {
  /** Defines or redefines a job. Throws on an invalid script. */
  addJob(script: DreaminaJobScript): void;
  /** What GET of the job would answer at `t` (default: now), without faults and without recording. */
  peek(jobid: string, t?: number): DreaminaJobAnswer;
  /** Where this emulator serves a result link (on the douyin CDN hosts), or null for other links. */
  localMediaUrl(link: string): string | null;
}

export interface DreaminaImage {
  imageUrl: string;
  imageUri: string;
  width: number;
  height: number;
  format: string;
  assetId: string;
  itemId: string;
}

export interface DreaminaJobRecord {
  jobid: string;
  status: string;
  created: string;
  updated?: string;
  request: { prompt: string; model: string };
  response: {
    submitId: string;
    forecastCost?: number;
    videoUrl?: string;
    coverUrl?: string;
    videoId?: string;
    width?: number;
    height?: number;
    durationMs?: number;
    hasAudio?: boolean;
    finishTime?: number;
    assetId?: string;
    images?: DreaminaImage[];
  };
  code: number;
  error?: string;
  errorDetails?: string;
  [field: string]: unknown;
}

export type DreaminaJobAnswer = ScriptedAnswer<DreaminaJobRecord>;

export interface DreaminaSchedulerEntry {
  jobid: string;
  submitId: string;
  model: string;
  elapsedSeconds: number;
}

/** The body of GET /v1/dreamina/scheduler. */
export interface DreaminaScheduler {
  executing: Record<string, DreaminaSchedulerEntry[]>;
  total: number;
}
