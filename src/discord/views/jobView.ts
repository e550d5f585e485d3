/**
 * What a job looks like to a person: one pure derivation from a JobSnapshot and a clock, shared by
 * the tracking message, the DM and the /jobs list so they never disagree.
 */
import { time, TimestampStyles } from 'discord.js';
import type { JobSnapshot, Problem } from '../../tracker/state';
import { clampPercent, FINISHED_STATUSES, isRefusedRequest, isRunningStatus, reportedProgress } from '../../useapi/job';
import { cleanPrompt, cleanText, inlineCode, safeLink, stringifyUpstream, truncate, wellFormed } from './text';

/** One colour per kind of state. */
export const EMBED_COLORS = {
  /** Before the first successful read: neutral grey-blue. */
  waiting: 0x99aab5,
  /** created / started / progress: blue. */
  running: 0x3498db,
  completed: 0x2ecc71,
  failed: 0xe74c3c,
  moderated: 0xe67e22,
  /** Midjourney would not run the request (not moderation): purple. */
  refused: 0x9b59b6,
  /** 401, 402, not found yet, stalled: temporary, somebody may need to act: yellow. */
  attention: 0xf1c40f,
  /** 404, 410, max_age, unknown status: final, nothing more will come: grey. */
  stopped: 0x95a5a6,
} as const;

export type ViewKind =
  | 'waiting'
  | 'queued'
  | 'starting'
  | 'rendering'
  | 'completed'
  | 'failed'
  | 'moderated'
  | 'refused'
  | 'unknown'
  | Problem;

export const FOOTER_TEXT = 'useapi.net Midjourney v3';

/** Title per problem. */
export const PROBLEM_HEADLINES: Record<Problem, string> = {
  unauthorized: 'useapi.net token refused (401)',
  payment_required: 'useapi.net subscription inactive (402)',
  not_found_yet: 'Not found yet (404)',
  not_found: 'Job not found (404)',
  expired: 'Job expired (410)',
  stalled: 'Stalled',
  max_age: 'Stopped tracking',
};

/** One plain sentence per problem: what it means and what to do (a 404 within its grace: `notFoundYetText`). */
export const PROBLEM_TEXTS: Record<Exclude<Problem, 'not_found_yet'>, string> = {
  unauthorized:
    "useapi.net refused this bot's API token (HTTP 401), so nobody's jobs can be read right now. A bot admin needs to fix USEAPI_TOKEN; polling is paused and resumes by itself once the token works again.",
  payment_required:
    'useapi.net says the account this bot uses has no active subscription (HTTP 402). A bot admin needs to renew it on useapi.net; polling is paused and resumes by itself once the subscription is active again.',
  not_found:
    "useapi.net does not know this job id (HTTP 404). Check that the id is complete and that the job was made with the useapi.net account this bot uses — other accounts' jobs cannot be read. Tracking has stopped; if the id is right, /track it again to look once more.",
  expired:
    'useapi.net keeps jobs for 62 days and this one is older, so it can no longer be read (HTTP 410). Tracking has stopped.',
  stalled:
    "Midjourney has not reported any change for 14 minutes or more, so the job may be stuck. I'll keep checking and update this message if it moves or fails.",
  max_age:
    'I stopped following this job because it ran longer than this bot tracks a job. What it last showed is below; run /track again to follow it anew.',
};

function notFoundYetText(until: number | null): string {
  const deadline = until === null ? 'for a little while' : `until ${time(new Date(until), TimestampStyles.LongTime)}`;
  return `useapi.net does not know this job id yet (HTTP 404): it may be mistyped, or too new to be known. I'm still checking ${deadline}, then I'll stop.`;
}

const RUNNING_NOTES: Partial<Record<ViewKind, string>> = {
  waiting: 'Asking useapi.net for this job…',
  queued: "Midjourney accepted the job; it's waiting in the queue.",
  starting: 'Midjourney is starting the job.',
  failed: 'The job failed; nothing more will happen to it.',
  moderated: "**Moderated.** Midjourney's moderation blocked this prompt, so nothing was generated.",
};

/** Appended to the failed / moderated note when upstream said why. */
const DETAILS_BELOW: Partial<Record<ViewKind, string>> = {
  failed: ' What useapi.net reported is below.',
  moderated: ' What Midjourney said is below.',
};

export interface ResultLink {
  label: string;
  url: string;
}

export interface DetailField {
  name: string;
  /** Already cleaned (safe markdown), not yet truncated. */
  value: string;
}

export interface JobView {
  kind: ViewKind;
  /** Embed title, ≤ 256. */
  headline: string;
  /** Short status for the Status field / list rows. */
  statusLabel: string;
  color: number;
  /** Cleaned prompt, not truncated; null when none is known. */
  prompt: string | null;
  /** 0..100 or null. */
  progress: number | null;
  /** Upstream status is created/started/progress and nothing has stopped tracking. */
  running: boolean;
  elapsedMs: number;
  /** The sentence under the prompt: a problem's explanation or a short state note. */
  note: string | null;
  images: ResultLink[];
  videos: ResultLink[];
  /** The grid for the embed image (completed jobs only). */
  gridUrl: string | null;
  /** error / errorDetails / code / Midjourney embeds (failed, moderated, unknown status). */
  details: DetailField[];
  /** `inline code` job id. */
  jobIdCode: string;
  footer: string;
}

const FINISHED = FINISHED_STATUSES as readonly string[];

function parseTime(iso: unknown): number | null {
  if (typeof iso !== 'string' || !iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** The prompt inside Midjourney's message text: `**prompt** - <@id> (31%) (fast)`. */
export function promptFromContent(content: string): string | null {
  const bold = /^\s*\*\*([\s\S]*)\*\*\s+-\s+/.exec(content);
  if (bold?.[1]?.trim()) return bold[1];
  const stripped = content.replace(/\s+-\s+<@[^>]*>[\s\S]*$/, '').trim();
  return stripped || null;
}

export function jobPrompt(job: JobSnapshot): string | null {
  const p = job.payload;
  const raw =
    (typeof p?.request?.prompt === 'string' && p.request.prompt.trim() ? p.request.prompt : null) ??
    (typeof p?.response?.content === 'string' ? promptFromContent(p.response.content) : null);
  if (!raw) return null;
  const cleaned = cleanPrompt(raw);
  return cleaned || null;
}

export function jobProgress(job: JobSnapshot): number | null {
  return clampPercent(job.progress) ?? reportedProgress(job.payload?.response) ?? (job.status === 'completed' ? 100 : null);
}

/** now − start, or end − start once terminal; start/end prefer upstream `created`/`updated`. */
export function jobElapsed(job: JobSnapshot, now: number): number {
  const created = parseTime(job.payload?.created);
  const updated = parseTime(job.payload?.updated);
  const start = created ?? job.trackedAt;
  let end: number;
  const upstreamEnded = job.status !== null && !isRunningStatus(job.status);
  if (upstreamEnded && job.terminal && updated !== null) end = updated;
  else if (job.terminal) end = job.finishedAt ?? now;
  else end = now;
  const ms = end - start;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function links(list: ReadonlyArray<{ url: string }> | undefined, prefix: string): ResultLink[] {
  const out: ResultLink[] = [];
  (list ?? []).forEach((item, i) => {
    const url = safeLink(item?.url);
    if (url) out.push({ label: `${prefix} ${i + 1}`, url });
  });
  return out.slice(0, 10);
}

function kindOf(job: JobSnapshot): ViewKind {
  const s = job.status;
  // A finished upstream status is the real answer; a problem recorded beside it is stale.
  if (s === 'moderated' && job.payload && isRefusedRequest(job.payload)) return 'refused';
  if (s !== null && FINISHED.includes(s)) return s as 'completed' | 'failed' | 'moderated';
  if (job.problem) return job.problem;
  if (s === null) return 'waiting';
  if (s === 'created') return 'queued';
  if (s === 'started') return 'starting';
  if (s === 'progress') return 'rendering';
  return 'unknown';
}

const STATUS_WORDS: Record<string, string> = {
  created: 'Queued',
  started: 'Starting',
  progress: 'Rendering',
  completed: 'Completed',
  failed: 'Failed',
  moderated: 'Moderated',
};

function shortStatus(raw: string): string {
  return truncate(cleanText(raw).replace(/\s+/g, ' '), 60) || '?';
}

function colorOf(kind: ViewKind): number {
  switch (kind) {
    case 'waiting':
      return EMBED_COLORS.waiting;
    case 'queued':
    case 'starting':
    case 'rendering':
      return EMBED_COLORS.running;
    case 'completed':
      return EMBED_COLORS.completed;
    case 'failed':
      return EMBED_COLORS.failed;
    case 'moderated':
      return EMBED_COLORS.moderated;
    case 'refused':
      return EMBED_COLORS.refused;
    case 'unauthorized':
    case 'payment_required':
    case 'not_found_yet':
    case 'stalled':
      return EMBED_COLORS.attention;
    case 'not_found':
    case 'expired':
    case 'max_age':
    case 'unknown':
      return EMBED_COLORS.stopped;
  }
}

function details(job: JobSnapshot, kind: ViewKind): DetailField[] {
  const p = job.payload;
  if (!p || !(kind === 'failed' || kind === 'moderated' || kind === 'unknown')) return [];
  const out: DetailField[] = [];
  const seen: string[] = [];
  const add = (name: string, raw: string): void => {
    const value = cleanText(raw);
    if (!value) return;
    // Skip text already shown (useapi often repeats Midjourney's embed text in error/errorDetails,
    // sometimes cut short with an ellipsis).
    const key = value.replace(/(?:…|\.\.\.)$/, '').trim().toLowerCase();
    if (seen.some((s) => s.startsWith(key))) return;
    seen.push(key);
    out.push({ name, value });
  };
  if (kind === 'moderated') {
    for (const e of (p.response?.embeds ?? []).slice(0, 3)) {
      const title = typeof e?.title === 'string' ? cleanText(e.title).replace(/\s+/g, ' ') : '';
      const desc = typeof e?.description === 'string' ? e.description : '';
      if (desc.trim()) {
        add(truncate(`Midjourney: ${title || 'message'}`, 200), desc);
        if (title) seen.push(title.toLowerCase());
      } else if (title) {
        add('Midjourney', title);
      }
    }
  }
  add('Error', stringifyUpstream(p.error));
  add('Details', stringifyUpstream(p.errorDetails));
  if (typeof p.code === 'number' && Number.isFinite(p.code)) out.push({ name: 'Code', value: String(p.code) });
  return out;
}

function refusalNote(job: JobSnapshot): string {
  const reason = truncate(cleanText(stringifyUpstream(job.payload?.errorDetails) || stringifyUpstream(job.payload?.error)), 500).replace(/[.。]$/, '');
  return `Midjourney refused the request${reason ? `: ${reason}` : ''}. Nothing was generated; this is not a moderation issue.`;
}

export function deriveJobView(job: JobSnapshot, now: number): JobView {
  const kind = kindOf(job);
  const progress = jobProgress(job);
  const status = job.status;
  const statusWord = kind === 'refused' ? 'Refused' : status === null ? 'Not read yet' : (STATUS_WORDS[status] ?? shortStatus(status));

  let headline: string;
  switch (kind) {
    case 'waiting':
      headline = 'Waiting for useapi.net…';
      break;
    case 'queued':
    case 'starting':
    case 'completed':
    case 'failed':
    case 'moderated':
      headline = statusWord;
      break;
    case 'rendering':
      headline = progress === null ? 'Rendering' : `Rendering — ${progress}%`;
      break;
    case 'refused':
      headline = 'Request refused';
      break;
    case 'unknown':
      headline = `Status: ${shortStatus(status ?? '')}`;
      break;
    default:
      headline = PROBLEM_HEADLINES[kind];
  }

  let statusLabel = statusWord;
  if (kind === 'unauthorized' || kind === 'payment_required') statusLabel += ' · polling paused';
  else if (kind === 'stalled') statusLabel += ' · no change for 14+ min';
  else if (kind === 'not_found' || kind === 'expired' || kind === 'max_age') statusLabel += ' · tracking stopped';
  else if (kind === 'unknown' && job.terminal) statusLabel += ' · tracking stopped';

  let note: string | null;
  if (kind === 'not_found_yet') note = notFoundYetText(job.notFoundUntil);
  else if (kind in PROBLEM_TEXTS) note = PROBLEM_TEXTS[kind as keyof typeof PROBLEM_TEXTS];
  else if (kind === 'unknown')
    note = `useapi.net reported a status this bot does not know (${shortStatus(status ?? '')}).${
      job.terminal ? ' I stopped following the job; what it last showed is below.' : ''
    }`;
  else if (kind === 'refused') note = refusalNote(job);
  else note = RUNNING_NOTES[kind] ?? null;
  const detailFields = details(job, kind);
  if (note && detailFields.length > 0) note += DETAILS_BELOW[kind] ?? '';

  const r = job.payload?.response;
  const completed = kind === 'completed';
  const isVideo = job.payload?.jobType === 'video' || (r?.videoUx?.length ?? 0) > 0;
  const images = completed ? links(r?.imageUx, 'Image') : [];
  const videos = completed && isVideo ? links(r?.videoUx, 'Video') : [];
  const gridUrl = completed
    ? (safeLink(r?.attachments?.[0]?.url, 2048) ?? safeLink(r?.imageUx?.[0]?.url, 2048))
    : null;

  // `verb` can say "imagine" for a video job; `jobType` is the one to trust.
  const meta = [job.payload?.jobType ?? job.payload?.verb].filter((x): x is string => typeof x === 'string' && /^[\w-]{1,24}$/.test(x));
  return {
    kind,
    headline: truncate(headline, 256),
    statusLabel: truncate(statusLabel, 200),
    color: colorOf(kind),
    prompt: jobPrompt(job),
    progress,
    running: status !== null && isRunningStatus(status) && !job.terminal && kind !== 'max_age',
    elapsedMs: jobElapsed(job, now),
    note,
    images,
    videos,
    gridUrl,
    details: detailFields,
    jobIdCode: inlineCode(wellFormed(job.jobId), 200),
    footer: [FOOTER_TEXT, ...meta].join(' · '),
  };
}
