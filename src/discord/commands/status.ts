import { MessageFlags, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { trackerStatusView } from '../views/status';
import { answer, COMMAND_CONTEXTS, type Command } from './command';

export const trackerStatus: Command = {
  definition: {
    name: 'tracker-status',
    description: "The bot's health: queue, upstream, Discord, outbox (bot owners only).",
    ...COMMAND_CONTEXTS,
    // Only owners may run it: in servers it stays out of members' command lists (administrators
    // still see it); owners use it there or in the bot's DMs, where this does not apply.
    default_member_permissions: '0',
  } as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody,

  async execute(interaction, ctx) {
    if (!ctx.ownerUserIds.includes(interaction.user.id)) {
      return answer(interaction, 'Only the bot\'s owners (OWNER_USER_IDS) can see its status.');
    }
    await interaction.reply({ ...trackerStatusView(ctx.opsStatus(), ctx.now()), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
