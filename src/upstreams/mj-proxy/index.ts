/**
 * The midjourney-proxy protocol (trueai-org and novicezk midjourney-proxy, and the gateways that
 * speak it): `GET {base}/task/{id}/fetch`, many tasks at once with `POST {base}/task/list-by-condition`.
 * Facts and their tags: providers.md §2.
 */
import { z } from 'zod';
import type { JobReading, JobStatus, ResultMedia, Stage } from '../../domain/job';
import { clampPercent, keepsMedia } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { requestJson, type JsonAnswer } from '../http';
import { withLinkExpiry } from '../../domain/linkExpiry';
import { MAX_PASTED_ID_LENGTH, tidyPastedId, type ListResult, type PollResult, type Recognition, type UpstreamAdapter } from '../port';

export interface MjProxySettings {
  /** The base including the server's path prefix, e.g. `http://host:8080/mj`. */
  url: string;
  secret: string | null;
  /** `mj-api-secret` header (novicezk), `Authorization: Bearer …` (new-api gateways), or the raw `Authorization` value (trueai). */
  auth: 'mj-api-secret' | 'bearer' | 'raw';
  timeoutMs: number;
  maxRequestsPerSecond: number;
  now?: () => number;
}

const ID = 'mj-proxy';
/** Its ids name no upstream (16 digits from novicezk and trueai [SRC]; other shapes at resellers [DOC]), so they are stored under this prefix. */
const KEY_PREFIX = `${ID}:`;
const BARE_ID = /^\d{6,32}$/;
const PREFIXED_ID = /^mj-proxy:([A-Za-z0-9_-]{1,64})$/;

/** Moderation [INF]: trueai's own strings ("Banned prompt detected", "Image denied") and common wording in `failReason`. */
const MODERATION = /banned prompt|image denied|moderat|sensitive|敏感/i;

const urlItem = z.object({ url: z.string().min(1) }).loose();
export const taskSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    action: z.string().nullish(),
    status: z.string().nullish(),
    prompt: z.string().nullish(),
    promptEn: z.string().nullish(),
    submitTime: z.number().nullish(),
    startTime: z.number().nullish(),
    finishTime: z.number().nullish(),
    progress: z.string().nullish(),
    imageUrl: z.string().nullish(),
    imageUrls: z.array(urlItem).nullish(),
    videoUrl: z.string().nullish(),
    videoUrls: z.array(urlItem).nullish(),
    failReason: z.string().nullish(),
  })
  .loose();

export type ProxyTask = z.infer<typeof taskSchema>;

const stage = (label: string, note: string | null = null, withPercent = false): Stage => ({ label, note, withPercent });

const STATUSES: Record<string, { status: JobStatus; stage: Stage }> = {
  NOT_START: { status: 'queued', stage: stage('Queued', "The proxy accepted the job; it hasn't been sent to Midjourney yet.") },
  SUBMITTED: { status: 'queued', stage: stage('Submitted', "Midjourney accepted the job; it's waiting in the queue.") },
  // Waiting for `/mj/submit/modal` (a remix or region edit) [SRC trueai]: someone has to act.
  MODAL: { status: 'queued', stage: stage('Needs action', 'The job waits for its remix or region input to be submitted to the proxy.') },
  IN_PROGRESS: { status: 'running', stage: stage('Rendering', null, true) },
  SUCCESS: { status: 'completed', stage: stage('Completed') },
  FAILURE: { status: 'failed', stage: stage('Failed') },
  CANCEL: { status: 'failed', stage: stage('Cancelled') },
};

/** `"45%"` → 45; `""` or null → null [SRC]. */
function progressOf(task: ProxyTask): number | null {
  const match = /(\d{1,3})\s*%/.exec(task.progress ?? '');
  return match ? clampPercent(Number(match[1])) : null;
}

const iso = (ms: number | null | undefined) => (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null);

/** `imageUrl` is the grid; `imageUrls[]` the single images (trueai), `videoUrl(s)` the videos. */
function mediaOf(task: ProxyTask): ResultMedia[] {
  const media: ResultMedia[] = [];
  const singles = task.imageUrls ?? [];
  if (task.imageUrl) media.push({ kind: 'image', url: task.imageUrl, ...(singles.length > 0 && { role: 'grid' as const }) });
  for (const image of singles) media.push({ kind: 'image', url: image.url });
  const videos = task.videoUrls?.length ? task.videoUrls.map((v) => v.url) : task.videoUrl ? [task.videoUrl] : [];
  for (const url of videos) media.push({ kind: 'video', url });
  return media.map(withLinkExpiry);
}

export function readingOf(task: ProxyTask): JobReading {
  const word = task.status ?? '';
  const known = STATUSES[word];
  let status: JobStatus = known?.status ?? 'unknown';
  if (word === 'FAILURE' && MODERATION.test(task.failReason ?? '')) status = 'moderated';
  const error = task.failReason?.trim() || (word === 'CANCEL' ? 'cancelled' : null);
  const videoJob = Boolean(task.videoUrl || task.videoUrls?.length) || /video/i.test(task.action ?? '');
  return {
    status,
    upstreamStatus: word,
    stage: known?.stage ?? stage(word),
    progress: status === 'completed' ? 100 : progressOf(task),
    prompt: task.prompt?.trim() ? task.prompt : (task.promptEn ?? null),
    media: keepsMedia(status) ? mediaOf(task) : [],
    makes: videoJob ? 'video' : 'image',
    error,
    details: error ? [{ name: 'Fail reason', text: error }] : [],
    createdAt: iso(task.submitTime),
    // The protocol has no "updated": the finish time once there is one, else stall detection reads status and progress.
    updatedAt: iso(task.finishTime),
    meta: task.action ? task.action.toLowerCase() : null,
    accountWarning: null,
    raw: task,
  };
}

/** An unknown task: novicezk answers 200 with an empty body, trueai 204, new-api gateways `{code: 4|5, description: "task_no_found"}` [SRC/INF]. */
const NOT_FOUND: PollResult = { kind: 'http', status: 404, retryAfterMs: null, message: 'task not found' };

function isNoSuchTask(answer: JsonAnswer): boolean {
  if (answer.kind === 'http') return answer.message === 'task_no_found';
  if (answer.kind !== 'json') return false;
  const body = answer.body;
  if (body === null) return true;
  if (typeof body !== 'object' || 'status' in body) return false;
  const { code, description } = body as { code?: unknown; description?: unknown };
  return code === 4 || code === 5 || description === 'task_no_found';
}

export function mjProxy(settings: MjProxySettings): UpstreamAdapter {
  const headers: Record<string, string> = {};
  if (settings.secret !== null) {
    if (settings.auth === 'mj-api-secret') headers['mj-api-secret'] = settings.secret;
    else headers.Authorization = settings.auth === 'bearer' ? `Bearer ${settings.secret}` : settings.secret;
  }
  const call = (path: string, body?: unknown) =>
    requestJson(`${settings.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body,
      timeoutMs: settings.timeoutMs,
      now: settings.now ?? Date.now,
    });
  const taskIdOf = (key: string) => key.slice(KEY_PREFIX.length);
  const encodeIdForPath = (taskId: string) => encodeURIComponent(taskId);

  return {
    id: ID,
    names: namesOf(ID),
    example: '1320098173412546',
    accountKey: ID,
    maxRequestsPerSecond: settings.maxRequestsPerSecond,
    // `imageUrl` "is often a Discord CDN attachment link" [DOC, providers.md §2e]; a proxy that re-hosts to its own storage needs MEDIA_HOSTS.
    mediaHosts: ['cdn.discordapp.com'],
    encodeIdForPath,

    recognise(pasted): Recognition {
      const text = tidyPastedId(pasted);
      if (text.length > MAX_PASTED_ID_LENGTH) return { kind: 'not_mine' };
      const taskId = BARE_ID.test(text) ? text : PREFIXED_ID.exec(text)?.[1];
      if (taskId === undefined) return { kind: 'not_mine' };
      return { kind: 'ref', ref: { key: KEY_PREFIX + taskId, upstream: ID, scope: null, description: 'Midjourney task' } };
    },

    async read(key): Promise<PollResult> {
      const answer = await call(`/task/${encodeIdForPath(taskIdOf(key))}/fetch`);
      if (answer.kind === 'empty' || isNoSuchTask(answer)) return NOT_FOUND;
      if (answer.kind !== 'json') return answer;
      const parsed = taskSchema.safeParse(answer.body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a task' };
      if (parsed.data.id !== taskIdOf(key)) return { kind: 'malformed', message: 'body is a different task' };
      return { kind: 'ok', reading: readingOf(parsed.data) };
    },

    /** One request for every followed task: those it returns still queued or running are running. */
    async listRunning(keys): Promise<ListResult> {
      const answer = await call('/task/list-by-condition', { ids: keys.map(taskIdOf) });
      if (answer.kind === 'empty') return { kind: 'ok', running: new Set() };
      if (answer.kind !== 'json') return answer;
      const parsed = z.array(taskSchema).safeParse(answer.body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a list of tasks' };
      const running = parsed.data.filter((task) => ['queued', 'running'].includes(STATUSES[task.status ?? '']?.status ?? '')).map((task) => KEY_PREFIX + task.id);
      return { kind: 'ok', running: new Set(running) };
    },

    normalize(raw) {
      const parsed = taskSchema.safeParse(raw);
      return parsed.success ? readingOf(parsed.data) : null;
    },
  };
}
