import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseInUseError, lockDatabase } from '../../src/db/lock';
import { openDatabase } from '../../src/db/open';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-lock-'));
  path = join(dir, 'data', 'tracker.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the database lock', () => {
  it('is held by one holder at a time, named with its pid, and free again once released', () => {
    const first = lockDatabase(path);
    let refusal: unknown;
    try {
      lockDatabase(path);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DatabaseInUseError);
    expect((refusal as Error).message).toContain(path);
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);

    first.release();
    lockDatabase(path).release();
  });

  it('does not stop the database from being opened and read meanwhile', () => {
    const lock = lockDatabase(path);
    const db = openDatabase(path);
    db.$client.close();
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    reader.close();
    lock.release();
  });

  it('keeps its file private to the user', () => {
    lockDatabase(path).release();
    expect((statSync(`${path}.lock`).mode & 0o777).toString(8)).toBe('600');
  });

  it('is not needed for a database in memory', () => {
    const first = lockDatabase(':memory:');
    expect(() => lockDatabase(':memory:').release()).not.toThrow();
    first.release();
  });
});
