import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface BackupResult {
  bytes: number;
  integrity: string;
}

const ALL_PAGES = 0x7fffffff;

/**
 * A consistent copy of a live database through SQLite's online backup: the source is opened
 * read-only (no migrations, no pragmas that write), so it is safe while the bot runs and writes.
 * The copy is checked before it is trusted.
 */
export async function backupDatabase(sourcePath: string, destinationPath: string): Promise<BackupResult> {
  if (!existsSync(sourcePath)) throw new Error(`no database at ${sourcePath}`);
  // Created empty first: never over another file, and private (0600) like the database itself.
  try {
    closeSync(openSync(destinationPath, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${destinationPath} exists already; choose a new file`);
    throw error;
  }
  try {
    const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      // All pages in one step, so one read transaction: a snapshot, while the bot (WAL) writes on.
      // In small steps, every write of the bot between two steps would restart the copy.
      await source.backup(destinationPath, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    return checkCopy(destinationPath);
  } catch (error) {
    // Half a copy, or one that fails its check, must not be mistaken for a backup.
    rmSync(destinationPath, { force: true });
    throw error;
  }
}

function checkCopy(path: string): BackupResult {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true }) as string;
    if (integrity !== 'ok') throw new Error(`the copy failed its integrity check: ${integrity}`);
    const bytes = (copy.pragma('page_count', { simple: true }) as number) * (copy.pragma('page_size', { simple: true }) as number);
    return { bytes, integrity };
  } finally {
    copy.close();
  }
}
