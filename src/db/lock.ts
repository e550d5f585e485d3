import Database from 'better-sqlite3';
import { ensurePrivateFile } from './open';

export class DatabaseInUseError extends Error {}

export interface DatabaseLock {
  release(): void;
}

/**
 * One bot per database: two would post every message and DM twice. The lock is SQLite's own write
 * lock on `<database>.lock`, held by a transaction left open for the life of the process. The
 * operating system drops it when the process ends however it ends (SIGKILL included), so there is
 * no stale lock to judge and a reused pid cannot keep it. The database itself is not locked:
 * readers such as a backup open it as usual. The pid is written there only to name the holder.
 */
export function lockDatabase(databasePath: string): DatabaseLock {
  if (databasePath === ':memory:') return { release() {} };
  const path = `${databasePath}.lock`;
  ensurePrivateFile(path);
  // A short wait rides over another starter reading the holder's pid while this one commits its own.
  const lock = new Database(path, { timeout: 1000 });
  try {
    if (!tryWriteLock(lock)) throw inUse(databasePath, lock);
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;');
    lock.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    lock.exec('COMMIT');
    // Another starter may have taken the lock between that commit and this: then it is theirs.
    if (!tryWriteLock(lock)) throw inUse(databasePath, lock);
  } catch (error) {
    lock.close();
    throw error;
  }
  return { release: () => lock.close() };
}

function tryWriteLock(lock: Database.Database): boolean {
  try {
    lock.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
}

function inUse(databasePath: string, lock: Database.Database): DatabaseInUseError {
  const holder = holderPid(lock);
  return new DatabaseInUseError(
    `${databasePath} is in use by another tracker process${holder ? ` (pid ${holder})` : ''}; ` +
      'stop it first, or give this one its own DATABASE_PATH (two would post everything twice)',
  );
}

function holderPid(lock: Database.Database): number | null {
  try {
    const row = lock.prepare('SELECT pid FROM holder').get() as { pid: number } | undefined;
    return row?.pid ?? null;
  } catch {
    return null; // the holder has not written its pid yet
  }
}
