import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** CHROMIUM, else `chromium` (or `chromium-browser`) on PATH. */
export function findChromium(): string {
  const candidates = [
    process.env.CHROMIUM,
    ...(process.env.PATH ?? '').split(delimiter).flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]),
  ].filter((path): path is string => Boolean(path));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new Error('No chromium found: set CHROMIUM to its path or put chromium on PATH (Debian: apt-get install -y chromium; .ci/run does this).');
}
