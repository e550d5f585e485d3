import type { Command } from './command';
import { jobsCommand } from './jobs';
import { track } from './track';
import { untrack } from './untrack';

export const COMMANDS: readonly Command[] = [track, untrack, jobsCommand];

export const commandDefinitions = () => COMMANDS.map((c) => c.definition);

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.definition.name === name);
}
