import { PermissionFlagsBits, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { GuildSettings } from '../../db/guilds';

type GuildInteraction = ChatInputCommandInteraction | ButtonInteraction;

/** What the bot needs in a channel to post and edit its messages there. */
export const NEEDED_TO_POST = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks;

/**
 * Whether the bot may post in another channel of the server, from its cached roles and the
 * channel's overwrites (the permissions in the interaction's resolved data are the invoking
 * member's, not the bot's); null when the cache cannot tell.
 */
export function botCanPostIn(interaction: ChatInputCommandInteraction, channelId: string): boolean | null {
  const me = interaction.guild?.members.me;
  const channel = interaction.guild?.channels.cache.get(channelId);
  if (!me || !channel) return null;
  return channel.permissionsFor(me).has(NEEDED_TO_POST);
}

export function canManageServer(interaction: GuildInteraction): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

/** Reviewers: whoever may manage the server, and holders of the server's admin role. */
export function canReview(interaction: GuildInteraction, settings: GuildSettings): boolean {
  if (canManageServer(interaction)) return true;
  const roleId = settings.adminRoleId;
  if (!roleId || !interaction.member) return false;
  const roles = interaction.member.roles;
  return Array.isArray(roles) ? roles.includes(roleId) : roles.cache.has(roleId);
}
