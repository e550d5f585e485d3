import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the database file', () => {
  it('and the folders made for it are private to the user running the bot', () => {
    const path = join(dir, 'data', 'nested', 'tracker.db');
    const db = openDatabase(path);
    db.$client.prepare('SELECT count(*) FROM jobs').get();

    expect(modeOf(join(dir, 'data')).toString(8)).toBe('700');
    expect(modeOf(join(dir, 'data', 'nested')).toString(8)).toBe('700');
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(`${file}: ${modeOf(file).toString(8)}`).toBe(`${file}: 600`);
    db.$client.close();
  });

  it('leaves a folder the user already had as it was', () => {
    const own = join(dir, 'shared');
    mkdirSync(own);
    chmodSync(own, 0o755);
    const db = openDatabase(join(own, 'tracker.db'));
    db.$client.close();

    expect(modeOf(own).toString(8)).toBe('755');
    expect(modeOf(join(own, 'tracker.db')).toString(8)).toBe('600');
  });
});
