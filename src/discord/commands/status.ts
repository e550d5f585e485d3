import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { trackerStatusView } from '../views/status';
import { answer, COMMAND_CONTEXTS, defineCommand } from './command';

export const trackerStatusDefinition = {
  name: 'tracker-status',
  description: "The bot's health: queue, upstream, Discord, outbox (bot owners only).",
  ...COMMAND_CONTEXTS,
  // Only owners may run it: in servers it stays out of members' command lists (administrators
  // still see it); owners use it there or in the bot's DMs, where this does not apply.
  default_member_permissions: '0',
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const trackerStatus = defineCommand(trackerStatusDefinition, {
  async execute(interaction, _options, ctx) {
    if (!ctx.ownerUserIds.includes(interaction.user.id)) {
      return answer(interaction, "Only the bot's owners (OWNER_USER_IDS) can see its status.");
    }
    await answer(interaction, trackerStatusView(ctx.opsStatus(), ctx.now()));
  },
});
