import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dueMedia, loadResultFiles, markMediaRetry, requestMedia, saveResultFiles, type ResultFile } from '../../src/db/media';
import { openDatabase, type Db } from '../../src/db/open';
import { staleSubscriptions } from '../../src/db/subscriptions';
import { pruneOnce } from '../../src/ops/retention';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1);

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-media-'));
  db = openDatabase(join(dir, 'tracker.db'));
  db.$client.prepare("INSERT INTO jobs (job_id, status, terminal, tracked_at, finished_at) VALUES ('j1', 'completed', 1, ?, ?)").run(NOW - DAY, NOW);
});
afterEach(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const png = (position: number): ResultFile => ({
  position,
  name: `image-${position + 1}.png`,
  contentType: 'image/png',
  sourceIndex: position,
  kind: 'image',
  bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, position]),
});

describe('the re-hosted media store', () => {
  it('asks once, then holds the files in order with what could not be re-hosted', () => {
    expect(loadResultFiles(db, 'j1')).toBeNull();
    expect(requestMedia(db, 'j1', NOW)).toBe(true);
    expect(requestMedia(db, 'j1', NOW + 1)).toBe(false);
    expect(loadResultFiles(db, 'j1')).toEqual({ state: 'pending', files: [], note: null });
    expect(dueMedia(db, NOW, 10)).toEqual(['j1']);

    markMediaRetry(db, 'j1', 'the CDN answered 503', NOW + 5000, NOW);
    expect(dueMedia(db, NOW + 4999, 10)).toEqual([]);
    expect(dueMedia(db, NOW + 5000, 10)).toEqual(['j1']);

    saveResultFiles(db, 'j1', [png(1), png(0)], 'The grid was too large to upload.', NOW + 6000);
    const stored = loadResultFiles(db, 'j1')!;
    expect(stored.state).toBe('ready');
    expect(stored.note).toBe('The grid was too large to upload.');
    expect(stored.files.map((f) => f.name)).toEqual(['image-1.png', 'image-2.png']);
    expect(stored.files[1]!.bytes.equals(png(1).bytes)).toBe(true);
    expect(dueMedia(db, NOW + 10_000, 10)).toEqual([]);
  });

  it('a download that kept nothing is failed, and says why', () => {
    requestMedia(db, 'j1', NOW);
    saveResultFiles(db, 'j1', [], 'The images could not be downloaded (timeout).', NOW);
    expect(loadResultFiles(db, 'j1')).toEqual({ state: 'failed', files: [], note: 'The images could not be downloaded (timeout).' });
  });

  it('retention takes a pruned job’s media with it', () => {
    requestMedia(db, 'j1', NOW);
    saveResultFiles(db, 'j1', [png(0)], null, NOW);
    pruneOnce(db, NOW + 40 * DAY, { retentionDays: 30, reviewRetentionDays: null });
    expect(db.$client.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    expect(db.$client.prepare('SELECT COUNT(*) AS n FROM media_files').get()).toEqual({ n: 0 });
    expect(loadResultFiles(db, 'j1')).toBeNull();
  });

  it('a final message waiting for its files holds no place among the stale ones, and comes back when they are stored', () => {
    db.$client.prepare("INSERT INTO jobs (job_id, status, terminal, tracked_at) VALUES ('j2', 'running', 0, ?)").run(NOW - DAY);
    const follow = db.$client.prepare("INSERT INTO subscriptions (job_id, user_id, channel_id, dm, created_at) VALUES (?, '1', '2', 1, ?)");
    follow.run('j1', NOW);
    follow.run('j2', NOW);
    const firstStale = () => staleSubscriptions(db, 1).map((s) => s.subscription.jobId);
    expect(firstStale()).toEqual(['j1']);
    requestMedia(db, 'j1', NOW);
    expect(firstStale()).toEqual(['j2']);
    saveResultFiles(db, 'j1', [png(0)], null, NOW + 1);
    expect(firstStale()).toEqual(['j1']);
  });
});
