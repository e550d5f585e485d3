import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { inTransaction, type Db } from './open';
import { jobMedia, mediaFiles, type JobMediaState } from './schema';

export type ResultFile = Omit<typeof mediaFiles.$inferSelect, 'jobId'>;

/** A completed job's re-hosted media as stored: still downloading, ready (maybe fewer than all, see `note`), or given up. */
export interface ResultFiles {
  state: JobMediaState;
  files: ResultFile[];
  /** Plain words on what could not be re-hosted, for the message; null when everything was. */
  note: string | null;
}

/**
 * What delivery asks of re-hosting. Never throws and never waits: `pending` means "not yet, you
 * will be woken". Null: re-hosting is off (`RESULT_MEDIA=link`), show links.
 */
export interface ResultMediaSource {
  filesFor(jobId: string): ResultFiles | null;
}

/** The stored files only, asking for nothing: a source for places that never download. */
export function storedMedia(db: Db): ResultMediaSource {
  return { filesFor: (jobId) => loadResultFiles(db, jobId) };
}

/** Null when nobody has asked for this job's media yet. */
export function loadResultFiles(db: Db, jobId: string): ResultFiles | null {
  const row = db.select().from(jobMedia).where(eq(jobMedia.jobId, jobId)).get();
  if (!row) return null;
  const files =
    row.state === 'ready'
      ? db
          .select({
            position: mediaFiles.position,
            name: mediaFiles.name,
            contentType: mediaFiles.contentType,
            sourceIndex: mediaFiles.sourceIndex,
            kind: mediaFiles.kind,
            bytes: mediaFiles.bytes,
          })
          .from(mediaFiles)
          .where(eq(mediaFiles.jobId, jobId))
          .orderBy(asc(mediaFiles.position))
          .all()
      : [];
  return { state: row.state, files, note: row.note };
}

/** Asks for a job's media (once: a second ask changes nothing). True when this call asked. */
export function requestMedia(db: Db, jobId: string, at: number): boolean {
  const inserted = db.insert(jobMedia).values({ jobId, state: 'pending', updatedAt: at }).onConflictDoNothing().run();
  return inserted.changes > 0;
}

/** Pending downloads due now (first asks and retries), oldest first: what to resume after a restart. */
export function dueMedia(db: Db, at: number, limit: number): string[] {
  return db
    .select({ jobId: jobMedia.jobId })
    .from(jobMedia)
    .where(and(eq(jobMedia.state, 'pending'), or(isNull(jobMedia.nextAttemptAt), lte(jobMedia.nextAttemptAt, at))))
    .orderBy(asc(jobMedia.updatedAt))
    .limit(limit)
    .all()
    .map((r) => r.jobId);
}

/** The download is over: these files (possibly none) and what could not be re-hosted. */
export function saveResultFiles(db: Db, jobId: string, files: ResultFile[], note: string | null, at: number): void {
  inTransaction(db, () => {
    db.delete(mediaFiles).where(eq(mediaFiles.jobId, jobId)).run();
    for (const file of files) db.insert(mediaFiles).values({ ...file, jobId }).run();
    const state: JobMediaState = files.length > 0 ? 'ready' : 'failed';
    db.update(jobMedia).set({ state, note, nextAttemptAt: null, updatedAt: at }).where(eq(jobMedia.jobId, jobId)).run();
  });
}

/** Tries that failed so far (each `markMediaRetry`); 0 when none or nobody asked. */
export function mediaAttempts(db: Db, jobId: string): number {
  return db.select({ attempts: jobMedia.attempts }).from(jobMedia).where(eq(jobMedia.jobId, jobId)).get()?.attempts ?? 0;
}

/** A try failed and another is due at `nextAttemptAt`. */
export function markMediaRetry(db: Db, jobId: string, note: string, nextAttemptAt: number, at: number): void {
  db.update(jobMedia)
    .set({ note, nextAttemptAt, updatedAt: at, attempts: sqlIncrement() })
    .where(eq(jobMedia.jobId, jobId))
    .run();
}

function sqlIncrement() {
  return sql`${jobMedia.attempts} + 1`;
}
