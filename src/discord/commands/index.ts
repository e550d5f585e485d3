import type { Command } from './command';
import { jobsCommand } from './jobs';
import { review } from './review';
import { trackerSettings } from './settings';
import { trackerStatus } from './status';
import { track } from './track';
import { untrack } from './untrack';

export const COMMANDS: readonly Command[] = [track, untrack, jobsCommand, trackerSettings, review, trackerStatus];

export const commandDefinitions = () => COMMANDS.map((c) => c.definition);

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.definition.name === name);
}

export function findButton(customId: string) {
  return COMMANDS.flatMap((c) => c.buttons ?? []).find((b) => customId.startsWith(b.prefix));
}
