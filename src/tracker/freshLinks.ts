/**
 * Fresh links for /jobs: a finished job whose signed links have expired, or soon will, gets new ones
 * from its upstream, for that private answer only (never written anywhere). Bounded: a few per
 * command, a timeout each, and only requests the upstream's budget can spare from polling.
 */
import { linkExpiry } from '../domain/linkExpiry';
import type { JobSnapshot, ResultMedia } from '../domain/job';
import type { UpstreamAdapter } from '../upstreams/port';

export interface FreshLinkOptions {
  adapterOf(upstream: string): UpstreamAdapter | undefined;
  /** One request of the upstream's budget, or null when polling needs it all (see Poller.spare). */
  spare(upstream: string): (() => void) | null;
  now(): number;
  /** Links expiring within this are refreshed too: the person may open them a little later. */
  soonMs?: number;
  /** At most this many links asked for in one command. */
  max?: number;
  timeoutMs?: number;
}

const FRESH_LINK_DEFAULTS = { soonMs: 60 * 60 * 1000, max: 4, timeoutMs: 2_000 } as const;

export interface Refreshed {
  job: JobSnapshot;
  /** Links that needed a refresh and could not get one. */
  failed: number;
}

/** Media of a finished job whose links need refreshing and whose upstream can refresh them. */
function stale(job: JobSnapshot, adapter: UpstreamAdapter | undefined, until: number): ResultMedia[] {
  if (job.status !== 'completed' || !adapter?.freshMediaUrl) return [];
  return (job.reading?.media ?? []).filter((m) => m.expiresAt !== undefined && m.expiresAt < until);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([work.catch(() => null), timeout]).finally(() => clearTimeout(timer));
}

/** The new link, with its own expiry; the old preview is dropped (it expired with the link). */
function refreshedMedia(media: ResultMedia, url: string): ResultMedia {
  const refreshed: ResultMedia = { ...media, url };
  delete refreshed.preview;
  delete refreshed.expiresAt;
  const expiresAt = linkExpiry(url);
  return expiresAt === undefined ? refreshed : { ...refreshed, expiresAt };
}

export interface FreshLinks {
  /** Whether any of the jobs has links to refresh (then the answer waits on the upstream). */
  wanted(jobs: readonly JobSnapshot[]): boolean;
  /** The jobs, in order, with fresh links where they were needed and could be had; never throws. */
  refresh(jobs: readonly JobSnapshot[]): Promise<Refreshed[]>;
}

export function createFreshLinks(opts: FreshLinkOptions): FreshLinks {
  const { soonMs } = { ...FRESH_LINK_DEFAULTS, ...opts };
  return {
    wanted: (jobs) => {
      const until = opts.now() + soonMs;
      return jobs.some((job) => stale(job, opts.adapterOf(job.upstream), until).length > 0);
    },
    refresh: (jobs) => refreshLinks(jobs, opts),
  };
}

async function refreshLinks(jobs: readonly JobSnapshot[], opts: FreshLinkOptions): Promise<Refreshed[]> {
  const { soonMs, max, timeoutMs } = { ...FRESH_LINK_DEFAULTS, ...opts };
  const until = opts.now() + soonMs;
  let asked = 0;
  return Promise.all(
    jobs.map(async (job) => {
      const adapter = opts.adapterOf(job.upstream);
      const wanted = stale(job, adapter, until);
      if (wanted.length === 0 || !job.reading) return { job, failed: 0 };
      const answers = await Promise.all(
        wanted.map(async (media): Promise<{ url: string | null } | 'not asked'> => {
          if (asked >= max) return 'not asked';
          asked++;
          const done = opts.spare(job.upstream);
          if (!done) return { url: null };
          // The request keeps its place in the budget until it really ends, even past our timeout.
          return { url: await withTimeout(adapter!.freshMediaUrl!(media).finally(done), timeoutMs) };
        }),
      );
      const fresh = new Map(wanted.map((m, i) => [m, answers[i]]));
      const media = job.reading.media.map((m) => {
        const answer = fresh.get(m);
        return answer && answer !== 'not asked' && answer.url ? refreshedMedia(m, answer.url) : m;
      });
      const failed = answers.filter((a) => a !== 'not asked' && !a.url).length;
      return { job: { ...job, reading: { ...job.reading, media } }, failed };
    }),
  );
}
