import { PermissionFlagsBits, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { GuildSettings } from '../../db/guilds';

type GuildInteraction = ChatInputCommandInteraction | ButtonInteraction;

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
