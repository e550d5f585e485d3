/**
 * Does the tracker offer a global upstream budget (issue #4, target 4)? Read from src/config.ts, so
 * the benchmark follows the code as it is: the env key (UPSTREAM_…RPS/PER_SECOND/BUDGET) and its
 * default. Compressed runs give the bot K× the budget, so that it is the default in real time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config';

export interface BudgetInfo {
  /** The env key, when the poller offers a global upstream budget; null when not implemented. */
  key: string | null;
  /** Its default, requests per second. */
  defaultRps: number | null;
}

export function upstreamBudget(): BudgetInfo {
  const source = readFileSync(fileURLToPath(new URL('../src/config.ts', import.meta.url)), 'utf8');
  const key = /\b(UPSTREAM_[A-Z_]*(?:RPS|PER_SECOND|BUDGET)[A-Z_]*)\b/.exec(source)?.[1] ?? null;
  if (key === null) return { key: null, defaultRps: null };
  const config = loadConfig({ DISCORD_TOKEN: 'x', USEAPI_TOKEN: 'y' }) as Record<string, unknown>;
  const value = Object.entries(config).find(([name]) => /rps|persecond|budget/i.test(name))?.[1];
  return { key, defaultRps: typeof value === 'number' ? value : null };
}

/** The env entry that gives the bot its default budget in real time when time runs K× faster. */
export function compressedBudgetEnv(budget: BudgetInfo, k: number): Record<string, string> {
  return budget.key && budget.defaultRps !== null ? { [budget.key]: String(budget.defaultRps * k) } : {};
}
