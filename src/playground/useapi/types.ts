/**
 * Types of the useapi.net Midjourney v3 emulator.
 *
 * Shapes follow /work/shared/useapi-v3.md (§1.2, §1.3, §3.1, §6). Fields that the notes mark as
 * inferred ([INF]) are inferred here too; see README.md in this folder.
 */
import type { EmulatorHandle, EmulatorOptions as SharedEmulatorOptions, LoggedRequest } from '../emulator/faults';
import type { UseapiAccountFault } from '../emulator/useapi';
import type { ScriptedAnswer, VisibleScript } from '../emulator/steps';

export type JobType = 'image' | 'video';
export type Speed = 'fast' | 'relaxed' | 'turbo';

/** One moment of a scripted job. `afterMs` counts from the script's `startAt`. */
export interface JobStep {
  afterMs: number;
  /** created | started | progress | completed | failed | moderated, or anything else (sent as is). */
  status: string;
  /** Percent shown from this step on. Default: 0 for created/started, 100 for completed, else carried over. */
  progress?: number;
  error?: string;
  errorDetails?: string;
  code?: number;
  /** Replaces the default `response.embeds` (moderated) or adds embeds to any other status. */
  embeds?: unknown[];
  /** Merged last into the top level of the record: extra or future fields, or overrides. */
  extra?: Record<string, unknown>;
  /**
   * 'captured': `response` takes the shape seen in records captured from the real API (see README)
   * instead of the inferred one.
   */
  shape?: 'captured';
}

export interface JobScript extends VisibleScript<JobStep> {
  /** Default: 'a lighthouse on a cliff at dusk --ar 16:9'. */
  prompt?: string;
  /** Default: from the id's type letter (`…v-u…` is video), else image. */
  jobType?: JobType;
  /** Default: 'imagine'. */
  verb?: string;
  /** Speed shown in `response.content`. Default: 'fast'. */
  speed?: Speed;
}

export type { Fault, FaultKind } from '../emulator/faults';
export type AccountFault = UseapiAccountFault;
export type RecordedRequest = LoggedRequest<'job' | 'list' | 'other'>;

export interface EmulatorOptions extends SharedEmulatorOptions {
  /**
   * When true, jobs whose `u<id>` differs from the token's `user:<id>` answer 404 and are not listed,
   * as a real account cannot read another account's jobs. Default: false.
   */
  ownerCheck?: boolean;
}

/** The bot reads `${url}/v3/midjourney/jobs/${jobid}`. */
export interface UseapiEmulator extends EmulatorHandle<RecordedRequest['route'], AccountFault> {
  port: number;
  /** Defines or redefines a job (a redefinition also undoes a cancel). Throws on an invalid script. */
  addJob(script: JobScript): void;
  /** What GET /jobs/{jobid} would answer at `t` (default: now), without faults and without recording. */
  peek(jobid: string, t?: number): JobAnswer;
  /** Where this emulator serves a record's media link (on the documented CDN hosts), or null for other links. */
  localMediaUrl(link: string): string | null;
}

// ---------------------------------------------------------------------------------------------
// Wire shapes

export interface MediaLink {
  id: number;
  url: string;
}

export interface DiscordAttachment {
  url: string;
  proxy_url: string;
  filename: string;
  width: number;
  height: number;
}

export interface Embed {
  type?: string;
  title?: string;
  description?: string;
  color?: number;
}

/** `response` of a job record. */
export interface JobRecordResponse {
  content?: string;
  progress_percent?: number;
  attachments?: DiscordAttachment[];
  buttons?: string[];
  imageUx?: MediaLink[];
  videoUx?: MediaLink[];
  embeds?: unknown[];
  children?: Record<string, string>;
  executeOnce?: Record<string, string>;
  /** The raw Discord message's own fields (author, mentions, components, flags, …) in captured shapes. */
  [field: string]: unknown;
}

/** The body of a 200 from GET /v3/midjourney/jobs/{jobid}. */
export interface JobRecord {
  jobid: string;
  verb: string;
  jobType: JobType;
  status: string;
  created: string;
  updated?: string;
  request: { prompt: string };
  response: JobRecordResponse;
  error?: string;
  errorDetails?: string;
  code?: number;
  [field: string]: unknown;
}

export interface ErrorBody {
  error: string;
}

/** What a GET of one job answers, before faults. */
export type JobAnswer = ScriptedAnswer<JobRecord>;

/** The body of a 200 from GET /v3/midjourney/jobs (§3.1). */
export interface RunningJobsList {
  total: number;
  images: number;
  videos: number;
  channels: Record<string, RunningChannel>;
}

export interface RunningChannel {
  total: number;
  images: number;
  videos: number;
  maxJobs: number;
  maxImageJobs: number;
  maxVideoJobs: number;
  jobs: RunningJobEntry[];
}

export interface RunningJobEntry {
  jobId: string;
  channel: string;
  jobType: JobType;
  created: string;
  /** mm:ss since `created` (minutes keep counting past 59). */
  elapsed: string;
}
