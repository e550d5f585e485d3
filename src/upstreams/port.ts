import type { AccountWarning, JobReading, ResultMedia } from '../domain/job';
import type { UpstreamNames } from '../domain/upstream';

/** A read that did not give a record: what the transport said. */
export type TransportFailure =
  /** `accountWarning`: the answer says the account is flagged (useapi's 596, a CAPTCHA notice in the error). */
  | { kind: 'http'; status: number; retryAfterMs: number | null; message: string | null; accountWarning?: AccountWarning | null }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string }
  | { kind: 'malformed'; message: string };

/** The words a log line keeps for a failed read. */
export function describeFailure(failure: TransportFailure): string {
  switch (failure.kind) {
    case 'http':
      return `HTTP ${failure.status}${failure.message ? `: ${failure.message}` : ''}`;
    case 'network':
    case 'malformed':
      return `${failure.kind}: ${failure.message}`;
    default:
      return failure.kind;
  }
}

/** Everything one read of a job can come back with. Never throws. */
export type PollResult = { kind: 'ok'; reading: JobReading } | TransportFailure;

/** The running jobs among those asked about (or all of the account's), or why not. */
export type ListResult = { kind: 'ok'; running: Set<string> } | TransportFailure;

/** A pasted id this adapter accepts. */
export interface JobRef {
  /** `jobs.job_id`: the id itself when it names its upstream, else namespaced (`mj-proxy:123…`). */
  key: string;
  upstream: string;
  /** The part of the account a warning can concern (a Midjourney channel), if any. */
  scope: string | null;
  /** "Google Flow video job", for the /track answer. */
  description: string;
}

export type Recognition =
  | { kind: 'ref'; ref: JobRef }
  | { kind: 'not_mine' }
  /** It is this upstream's kind of id, but it cannot be followed: why, in plain words. */
  | { kind: 'refused'; why: string };

export interface UpstreamAdapter {
  id: string;
  names: UpstreamNames;
  /** An id of the shape it accepts, for explanations. */
  example: string;
  /** Adapters sharing a key share a token: a 401 on one pauses them all. */
  accountKey: string;
  /** Requests per second to this upstream, at most. */
  maxRequestsPerSecond: number;
  /**
   * The hosts this upstream's documentation puts result media on: the only ones (with the operator's
   * MEDIA_HOSTS) its records may make the bot download from, over https. `*.example.com` is any
   * subdomain of example.com.
   */
  mediaHosts: readonly string[];
  recognise(pasted: string): Recognition;
  /** The id as it goes into a request path. */
  encodeIdForPath(id: string): string;
  read(key: string): Promise<PollResult>;
  /** One request that says which of these jobs still run; absent when the upstream has no such list. */
  listRunning?(keys: readonly string[]): Promise<ListResult>;
  /** A stored raw record read again (rows written before readings were stored). */
  normalize(raw: unknown): JobReading | null;
  /** A fresh link for one result whose signed link may have expired; absent when the upstream offers none. Null when it could not get one. */
  freshMediaUrl?(media: ResultMedia): Promise<string | null>;
}

/** What people paste: trimmed, without code backticks, percent-decoded when it was encoded. */
export function tidyPastedId(input: string): string {
  const text = input.trim().replace(/^`+|`+$/g, '').trim();
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The longest id anyone pastes; beyond this it is not an id. */
export const MAX_PASTED_ID_LENGTH = 200;
