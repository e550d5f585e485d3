import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface BackupResult {
  bytes: number;
  pages: number;
  integrity: string;
}

/**
 * A consistent copy of a live database through SQLite's online backup: the source is opened
 * read-only (no migrations, no pragmas that write), so it is safe while the bot runs and writes;
 * pages that change during the copy are copied again. The copy is checked before it is trusted.
 */
export async function backupDatabase(sourcePath: string, destinationPath: string): Promise<BackupResult> {
  if (!existsSync(sourcePath)) throw new Error(`no database at ${sourcePath}`);
  if (existsSync(destinationPath)) throw new Error(`${destinationPath} exists already; choose a new file`);
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  let pages = 0;
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(destinationPath, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        // Pages per step: small enough that the bot's writes are never held up for long.
        return 256;
      },
    });
  } finally {
    source.close();
  }
  const copy = new Database(destinationPath, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true }) as string;
    const pageCount = copy.pragma('page_count', { simple: true }) as number;
    const pageSize = copy.pragma('page_size', { simple: true }) as number;
    if (integrity !== 'ok') throw new Error(`the copy at ${destinationPath} failed its integrity check: ${integrity}`);
    return { bytes: pageCount * pageSize, pages: pages || pageCount, integrity };
  } finally {
    copy.close();
  }
}
