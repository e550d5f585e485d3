/**
 * Types of the midjourney-proxy emulator (the novicezk / trueai-org protocol, and the new-api gateways
 * that speak it). Shapes follow /work/shared/providers.md §2; see README.md in this folder.
 */
import type { EmulatorHandle, EmulatorOptions, LoggedRequest } from '../emulator/faults';
import type { VisibleScript } from '../emulator/steps';

export type MjTaskStatus = 'NOT_START' | 'SUBMITTED' | 'IN_PROGRESS' | 'MODAL' | 'SUCCESS' | 'FAILURE' | 'CANCEL';

export interface MjStep {
  afterMs: number;
  /** One of MjTaskStatus, or anything else (sent as is). */
  status: string;
  /** Percent shown from this step on (IN_PROGRESS). Default: carried over; 0 from SUBMITTED, 100 on SUCCESS. */
  progress?: number;
  /** FAILURE: default 'Midjourney job failed'. */
  failReason?: string;
  /** Merged last into the task. */
  extra?: Record<string, unknown>;
}

/** `jobid` is the task id (16 digits from makeMjProxyTaskId, or any other string a gateway uses). */
export interface MjTaskScript extends VisibleScript<MjStep> {
  /** Default: 'a lighthouse on a cliff at dusk --ar 16:9'. */
  prompt?: string;
  /** Default: 'IMAGINE'. */
  action?: string;
}

/** Where the secret goes: `mj-api-secret: <s>`, `Authorization: Bearer <s>`, or `Authorization: <s>`. */
export type MjProxyAuth = 'mj-api-secret' | 'bearer' | 'raw';

export interface MjProxyEmulatorOptions extends EmulatorOptions {
  /** The secret (`token` is the same thing). Default: 'emulator-mj-secret'. */
  secret?: string;
  /** Default: 'mj-api-secret'. */
  auth?: MjProxyAuth;
  /** The server's path prefix. Default: '/mj'. */
  prefix?: string;
  /** Wrong or missing secret: 401 with an empty body (novicezk, default) or with a text body (trueai). */
  unauthorizedStyle?: 'novicezk' | 'trueai';
  /** Unknown task: 200 empty (novicezk, default), 204 (trueai), or `{"code":4,"description":"task_no_found"}` (new-api). */
  unknownTaskStyle?: 'novicezk' | 'trueai' | 'new-api';
}

export type MjProxyRoute = 'job' | 'list' | 'other';
export type MjProxyRequest = LoggedRequest<MjProxyRoute>;
/** A proxy refusing every request: 401, 403 (trueai's unavailable user) or 429 (its rate limit). */
export type MjProxyAccountFault = 401 | 403 | 429;

/**
 * The bot reads `${baseUrl}/task/${id}/fetch` and POSTs `${baseUrl}/task/list-by-condition`. `listReads`
 * counts the POSTs of the list.
 */
export interface MjProxyEmulator extends EmulatorHandle<MjProxyRoute, MjProxyAccountFault> {
  /** url + prefix: what an operator puts in MJ_PROXY_URL. */
  baseUrl: string;
  auth: MjProxyAuth;
  /** The headers a client must send. */
  authHeaders(): Record<string, string>;
  /** Defines or redefines a task. Throws on an invalid script. */
  addJob(script: MjTaskScript): void;
  /** The task GET …/fetch would show at `t` (default: now), without faults and without recording; undefined if unknown. */
  peek(id: string, t?: number): MjTask | undefined;
  /** Where this emulator serves a task's picture link (a Discord attachment), or null for other links. */
  localMediaUrl(link: string): string | null;
}

export interface MjButton {
  customId: string;
  emoji: string;
  label: string;
  style: number;
  type: number;
}

/** A task as the proxy sends it. */
export interface MjTask {
  id: string;
  action: string;
  status: string;
  prompt: string;
  promptEn: string;
  description: string;
  state: string;
  submitTime: number;
  startTime: number | null;
  finishTime: number | null;
  imageUrl: string | null;
  imageUrls: { url: string }[];
  progress: string | null;
  failReason: string | null;
  properties: Record<string, unknown>;
  buttons: MjButton[];
  [field: string]: unknown;
}
