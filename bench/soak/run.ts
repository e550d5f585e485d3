/**
 * `npm run soak [-- --quick] [-- --seed N]`: the real bot process under kills, upstream faults and
 * Discord faults, on the loopback emulators. Prints one table and writes it as JSON to
 * bench/results/soak-<timestamp>.json. Every verdict must be 0; the exit code says whether it was.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSoak, soakTable } from './soak';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seedArg = args.indexOf('--seed');
const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(seed)) throw new Error('--seed takes an integer');

console.log(`soak ${quick ? '--quick ' : ''}--seed ${seed}`);
const report = await runSoak({ seed, quick });
console.log(soakTable(report));
const dir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}soak-${new Date().toISOString().replace(/:/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`written to ${file}`);
process.exit(report.pass ? 0 : 1);
