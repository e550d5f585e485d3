/**
 * What a job looks like to a person: one pure derivation from a JobSnapshot and a clock, shared by
 * the tracking message, the DM and the /jobs list so they never disagree.
 */
import { clampPercent, isRunningStatus, type JobSnapshot, type MediaKind, type Problem, type ResultMedia } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { expiryLine } from './linkExpiry';
import { notFoundYetText, problemHeadlines, problemTexts } from './problemTexts';
import { cleanPrompt, cleanText, inlineCode, safeLink, truncate, wellFormed } from './text';

/** One colour per kind of state. */
export const EMBED_COLORS = {
  /** Before the first successful read: neutral grey-blue. */
  waiting: 0x99aab5,
  /** queued / running: blue. */
  running: 0x3498db,
  completed: 0x2ecc71,
  failed: 0xe74c3c,
  moderated: 0xe67e22,
  /** The upstream would not run the request (not moderation): purple. */
  refused: 0x9b59b6,
  /** 401, 402, not found yet, stalled: temporary, somebody may need to act: yellow. */
  attention: 0xf1c40f,
  /** 404, 410, max_age, unknown status: final, nothing more will come: grey. */
  stopped: 0x95a5a6,
} as const;

export type ViewKind =
  | 'waiting'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'moderated'
  | 'refused'
  | 'unknown'
  | Problem;

export const FOOTER_TEXT = 'useapi.net Midjourney v3';

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
  /** The job is queued or running upstream and nothing has stopped tracking. */
  running: boolean;
  elapsedMs: number;
  /** The sentence under the prompt: a problem's explanation or a short state note. */
  note: string | null;
  images: ResultLink[];
  videos: ResultLink[];
  audio: ResultLink[];
  /** Until when the result links work (`expiryLine`), for the messages that link them. */
  expiry: string | null;
  /** The picture for the embed: the grid, the first image, or a video's still (completed jobs only). */
  gridUrl: string | null;
  /** What the upstream said (failed, moderated, unknown status). */
  details: DetailField[];
  /** `inline code` job id. */
  jobIdCode: string;
  footer: string;
}

function parseTime(iso: unknown): number | null {
  if (typeof iso !== 'string' || !iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

export function jobPrompt(job: JobSnapshot): string | null {
  const raw = job.reading?.prompt;
  if (!raw) return null;
  const cleaned = cleanPrompt(raw);
  return cleaned || null;
}

export function jobProgress(job: JobSnapshot): number | null {
  return clampPercent(job.progress) ?? clampPercent(job.reading?.progress) ?? (job.status === 'completed' ? 100 : null);
}

/** now − start, or end − start once terminal; start/end prefer the upstream's created/updated times. */
export function jobElapsed(job: JobSnapshot, now: number): number {
  const created = parseTime(job.reading?.createdAt);
  const updated = parseTime(job.reading?.updatedAt);
  const start = created ?? job.trackedAt;
  let end: number;
  const upstreamEnded = job.status !== null && !isRunningStatus(job.status);
  if (upstreamEnded && job.terminal && updated !== null) end = updated;
  else if (job.terminal) end = job.finishedAt ?? now;
  else end = now;
  const ms = end - start;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

const LINK_PREFIX: Record<MediaKind, string> = { image: 'Image', video: 'Video', audio: 'Audio' };

function links(media: readonly ResultMedia[], kind: MediaKind): ResultLink[] {
  const out: ResultLink[] = [];
  media
    .filter((m) => m.kind === kind && m.role !== 'grid')
    .forEach((item, i) => {
      const url = safeLink(item.url);
      if (url) out.push({ label: `${LINK_PREFIX[kind]} ${i + 1}`, url });
    });
  return out.slice(0, 10);
}

function kindOf(job: JobSnapshot): ViewKind {
  const s = job.status;
  // A finished upstream status is the real answer; a problem recorded beside it is stale.
  if (s !== null && s !== 'unknown' && !isRunningStatus(s)) return s;
  if (job.problem) return job.problem;
  if (s === null) return 'waiting';
  return s;
}

function shortStatus(raw: string): string {
  return truncate(cleanText(raw).replace(/\s+/g, ' '), 60) || '?';
}

function colorOf(kind: ViewKind): number {
  switch (kind) {
    case 'waiting':
      return EMBED_COLORS.waiting;
    case 'queued':
    case 'running':
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
  const reading = job.reading;
  if (!reading || !(kind === 'failed' || kind === 'moderated' || kind === 'unknown')) return [];
  const out: DetailField[] = [];
  const seen: string[] = [];
  for (const detail of reading.details) {
    const value = cleanText(detail.text);
    if (!value) continue;
    // Skip text already shown (useapi often repeats Midjourney's embed text in error/errorDetails,
    // sometimes cut short with an ellipsis).
    const key = value.replace(/(?:…|\.\.\.)$/, '').trim().toLowerCase();
    if (seen.some((s) => s.startsWith(key))) continue;
    seen.push(key);
    if (detail.covers) seen.push(cleanText(detail.covers).replace(/\s+/g, ' ').toLowerCase());
    out.push({ name: truncate(cleanText(detail.name).replace(/\s+/g, ' '), 200), value });
  }
  return out;
}

function refusalNote(job: JobSnapshot, engine: string): string {
  const reason = truncate(cleanText(job.reading?.error ?? ''), 500).replace(/[.。]$/, '');
  return `${engine} refused the request${reason ? `: ${reason}` : ''}. Nothing was generated; this is not a moderation issue.`;
}

/** A job the upstream's list of running jobs names, never read itself: the list does not say whether it is queued or running. */
const LISTED_WORD = 'Queued or running';

const FINISHED_WORDS: Partial<Record<ViewKind, string>> = {
  completed: 'Completed',
  failed: 'Failed',
  moderated: 'Moderated',
  refused: 'Refused',
};

export function deriveJobView(job: JobSnapshot, now: number): JobView {
  const names = namesOf(job.upstream);
  const { service, engine } = names;
  const kind = kindOf(job);
  const progress = jobProgress(job);
  const reading = job.reading;
  const upstreamWord = reading?.upstreamStatus ?? '';
  const statusWord =
    FINISHED_WORDS[kind] ?? (reading === null ? (kind === 'running' ? LISTED_WORD : 'Not read yet') : reading.status === 'unknown' ? shortStatus(upstreamWord) : reading.stage.label);

  let headline: string;
  switch (kind) {
    case 'waiting':
      headline = `Waiting for ${service}…`;
      break;
    case 'queued':
    case 'completed':
    case 'failed':
    case 'moderated':
      headline = statusWord;
      break;
    case 'running':
      headline = progress === null || !reading?.stage.withPercent ? statusWord : `${statusWord} — ${progress}%`;
      break;
    case 'refused':
      headline = 'Request refused';
      break;
    case 'unknown':
      headline = `Status: ${shortStatus(upstreamWord)}`;
      break;
    default:
      headline = problemHeadlines(names)[kind];
  }

  let statusLabel = statusWord;
  if (kind === 'unauthorized' || kind === 'payment_required') statusLabel += ' · polling paused';
  else if (kind === 'stalled') statusLabel += ' · no change for 14+ min';
  else if (kind === 'not_found' || kind === 'expired' || kind === 'max_age') statusLabel += ' · tracking stopped';
  else if (kind === 'unknown' && job.terminal) statusLabel += ' · tracking stopped';

  const problems = problemTexts(names);
  let note: string | null;
  if (kind === 'not_found_yet') note = notFoundYetText(service, job.notFoundUntil);
  else if (kind in problems) note = problems[kind as keyof typeof problems];
  else if (kind === 'unknown')
    note = `${service} reported a status this bot does not know (${shortStatus(upstreamWord)}).${
      job.terminal ? ' I stopped following the job; what it last showed is below.' : ''
    }`;
  else if (kind === 'refused') note = refusalNote(job, engine);
  else if (kind === 'waiting') note = `Asking ${service} for this job…`;
  else if (kind === 'running' && reading === null) note = `${service} lists it among its unfinished jobs. Its prompt and progress show here at the bot's next read of the job; its end, within seconds.`;
  else if (kind === 'queued' || kind === 'running') note = reading?.stage.note ?? null;
  else if (kind === 'failed') note = 'The job failed; nothing more will happen to it.';
  else if (kind === 'moderated') note = `**Moderated.** ${engine}'s moderation blocked this prompt, so nothing was generated.`;
  else note = null;
  const detailFields = details(job, kind);
  if (note && detailFields.length > 0) {
    if (kind === 'failed') note += ` What ${service} reported is below.`;
    if (kind === 'moderated') note += ` What ${engine} said is below.`;
  }

  const media = kind === 'completed' ? (reading?.media ?? []) : [];
  const grid = media.find((m) => m.role === 'grid') ?? media.find((m) => m.kind === 'image');
  const still = media.find((m) => m.kind === 'video' && m.preview)?.preview;
  const gridUrl = safeLink(grid?.url, 2048) ?? safeLink(still, 2048);

  const meta = [reading?.meta].filter((x): x is string => typeof x === 'string' && /^[\w-]{1,24}$/.test(x));
  return {
    kind,
    headline: truncate(headline, 256),
    statusLabel: truncate(statusLabel, 200),
    color: colorOf(kind),
    prompt: jobPrompt(job),
    progress,
    running: isRunningStatus(job.status) && !job.terminal && kind !== 'max_age',
    elapsedMs: jobElapsed(job, now),
    note,
    images: links(media, 'image'),
    videos: links(media, 'video'),
    audio: links(media, 'audio'),
    expiry: expiryLine(media.filter((m) => m.role !== 'grid'), job.upstream, now),
    gridUrl,
    details: detailFields,
    jobIdCode: inlineCode(wellFormed(displayId(job.jobId)), 200),
    footer: [names.product, ...meta].join(' · '),
  };
}

/** The id as the person knows it: without the namespace a bare upstream id is stored under (`mj-proxy:…`). */
export function displayId(jobId: string): string {
  return jobId.replace(/^[a-z][a-z-]*:(?=[^:]+$)/, '');
}
