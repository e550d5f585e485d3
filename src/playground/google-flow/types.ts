/**
 * Types of the useapi.net Google Flow v1 emulator. Shapes follow /work/shared/providers.md §1.1; what is
 * inferred there ([INF]) is inferred here too (see README.md in this folder).
 */
import type { EmulatorHandle, EmulatorOptions, LoggedRequest } from '../emulator/faults';
import type { UseapiAccountFault } from '../emulator/useapi';
import type { ScriptedAnswer, VisibleScript } from '../emulator/steps';

export type FlowJobType = 'image' | 'video';

/** Google's error object, as in `response.error`. */
export interface GoogleError {
  code: number;
  message: string;
  status: string;
  details?: unknown[];
}

export interface FlowStep {
  afterMs: number;
  /** created | started | completed | failed, or anything else (sent as is). */
  status: string;
  /** Failed steps: defaults "API error: 500", code 500, a 500 INTERNAL `response.error` whose message is the errorDetails. */
  error?: string;
  errorDetails?: string;
  code?: number;
  responseError?: GoogleError;
  /** Merged last into the top level of the record. */
  extra?: Record<string, unknown>;
}

export interface FlowJobScript extends VisibleScript<FlowStep> {
  /** Default: 'a lighthouse on a cliff at dusk'. */
  prompt?: string;
  /** Default: from the id's type letter (`…v-u…` is video). */
  type?: FlowJobType;
  /** Default: 'veo-3.1-fast' for videos, 'imagen-4' for images. */
  model?: string;
  /** Number of results on completion. Default: 1. */
  count?: number;
}

export interface GoogleFlowEmulatorOptions extends EmulatorOptions {
  /** How long a signed media URL stays valid after it is issued. Default: 1 hour. */
  urlLifetimeMs?: number;
}

export type FlowAccountFault = UseapiAccountFault;
export type FlowRoute = 'job' | 'list' | 'asset' | 'other';
export type FlowRequest = LoggedRequest<FlowRoute>;

/** The bot reads `${url}/v1/google-flow/jobs/${jobid}` (jobid raw). */
export interface GoogleFlowEmulator extends EmulatorHandle<FlowRoute, FlowAccountFault> {
  /** Defines or redefines a job. Throws on an invalid script. */
  addJob(script: FlowJobScript): void;
  /** What GET /jobs/{jobid} would answer at `t` (default: now), without faults and without recording. */
  peek(jobid: string, t?: number): FlowJobAnswer;
  /** Where this emulator serves a result link (https://flow-content.google/…), or null for other links. */
  localMediaUrl(link: string): string | null;
}

// ---------------------------------------------------------------------------------------------
// Wire shapes

export interface FlowVideoMedia {
  name: string;
  videoUrl: string;
  thumbnailUrl: string;
  mediaGenerationId: string;
  mediaMetadata: { mediaStatus: { mediaGenerationStatus: string }; mediaTitle: string };
}

export interface FlowImageMedia {
  name: string;
  workflowId: string;
  image: {
    generatedImage: { seed: number; mediaGenerationId: string; prompt: string; fifeUrl: string; aspectRatio: string; modelNameType: string };
  };
}

export interface FlowJobRecord {
  jobid: string;
  type: FlowJobType;
  status: string;
  created: string;
  updated?: string;
  request: { prompt: string; model: string; count: number; email: string };
  response: {
    operations?: { operation: { name: string }; sceneId: string; status: string }[];
    media?: (FlowVideoMedia | FlowImageMedia)[];
    remainingCredits?: number;
    error?: GoogleError;
  };
  error?: string;
  errorDetails?: string;
  code?: number;
  [field: string]: unknown;
}

export type FlowJobAnswer = ScriptedAnswer<FlowJobRecord>;

export interface FlowJobsSummaryEntry {
  executing: number;
  completed: number;
  failed: number;
  rateLimited: number;
  avgResponseTime: number;
  score: number;
}

export interface FlowJobsGroup {
  summary: Record<string, FlowJobsSummaryEntry>;
  executing?: Record<string, { email: string; timestamp: string; elapsed: string }>;
  history?: Record<string, { email: string; timestamp: string; httpStatus: number; responseTime: number }>;
}

/** The body of GET /v1/google-flow/jobs. */
export interface FlowJobsList {
  emails: string[];
  videos: FlowJobsGroup;
  images: FlowJobsGroup;
  combined: FlowJobsGroup;
}
