/** What Discord sends for a guild (GUILD_CREATE), its text channels and a member, with the permissions they carry. */
import { ErrorCode } from './reply';
import type { ChannelRecord } from './state';
import type { FakeGuild, JsonObject } from './types';

const OverwriteType = { Member: 1 } as const;

export const Permission = {
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  UseApplicationCommands: 1n << 31n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/** Every permission bit Discord defines today and then some. */
export const ALL_PERMISSIONS = ((1n << 53n) - 1n).toString();
const EVERYONE_PERMISSIONS = Object.values(Permission)
  .reduce((a, b) => a | b, 0n)
  .toString();

/** A guild member as Discord sends it, `permissions` only where Discord resolves them (interactions). */
export function memberObject(user: JsonObject, joinedAt: string, opts: { roles?: string[]; permissions?: string } = {}): JsonObject {
  return {
    user,
    nick: null,
    avatar: null,
    banner: null,
    roles: opts.roles ?? [],
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    ...(opts.permissions !== undefined ? { permissions: opts.permissions } : {}),
  };
}

/** GUILD_CREATE `d`: the guild with its text channels, @everyone role and the bot as member. */
export function guildObject(guild: FakeGuild, channels: JsonObject[], botMember: JsonObject, joinedAt: string): JsonObject {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: '1',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    application_id: null,
    max_members: 500000,
    max_video_channel_users: 25,
    features: [],
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 0,
        permissions: EVERYONE_PERMISSIONS,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    joined_at: joinedAt,
    large: false,
    unavailable: false,
    member_count: 2,
    members: [botMember],
    channels,
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** A guild text channel; a revoked one carries the overwrite that takes the bot's access away. */
export function guildChannelObject(channel: ChannelRecord, botId: string, lastMessageId: string | null): JsonObject {
  const overwrites = channel.revoked
    ? [{ id: botId, type: OverwriteType.Member, allow: '0', deny: String(channel.revoked === ErrorCode.MissingAccess ? Permission.ViewChannel : Permission.SendMessages) }]
    : [];
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: overwrites,
    parent_id: null,
    topic: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: lastMessageId,
    flags: 0,
  };
}
