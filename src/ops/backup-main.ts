import 'dotenv/config';
import { resolve } from 'node:path';
import { DEFAULT_DATABASE_PATH } from '../config';
import { backupDatabase } from './backup';

/**
 * `npm run backup -- <file>`: a consistent copy of DATABASE_PATH (default ./data/tracker.db), safe
 * while the bot runs. Needs no tokens. README "Operating" says how to restore.
 */
async function main(): Promise<void> {
  const destination = process.argv[2];
  if (!destination || destination.startsWith('-')) throw new Error('usage: npm run backup -- <file>');
  const source = process.env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH;
  const started = performance.now();
  const result = await backupDatabase(resolve(source), resolve(destination));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Backed up ${source} to ${destination}: ${(result.bytes / 1e6).toFixed(1)} MB, integrity ${result.integrity}, ${seconds} s.`);
}

main().catch((error: unknown) => {
  console.error(`Backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
