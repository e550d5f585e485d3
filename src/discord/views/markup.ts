/**
 * Mentions and timestamps for the admin views: discord.js' formatters behind a check, because
 * theirs turn any input into markup (`<@null>`, `<t:NaN:f>`), and these must show a broken id or
 * time as something a person can read.
 *
 * Mentions of people are built on purpose; delivery sends `allowed_mentions: none`, so they
 * render as names without pinging.
 */
import { channelMention, roleMention, time, TimestampStyles, userMention, type TimestampStylesString } from 'discord.js';
import { isSnowflake } from './snowflake';
import { inlineCode } from './text';

/** `<@id>` for a Discord user id; anything that is not a snowflake shows as inline code. */
export function safeUserMention(id: string | null | undefined): string {
  if (typeof id !== 'string' || !id) return 'someone unknown';
  return isSnowflake(id) ? userMention(id) : inlineCode(id, 40);
}

/** `<#id>` for a channel id, or null when it is not a snowflake. */
export function safeChannelMention(id: string | null | undefined): string | null {
  return isSnowflake(id) ? channelMention(id) : null;
}

/** `<@&id>` for a role id, or null when it is not a snowflake. */
export function safeRoleMention(id: string | null | undefined): string | null {
  return isSnowflake(id) ? roleMention(id) : null;
}

/** Whether `ms` (epoch milliseconds) is a time a Date can hold. */
export function isKnownTime(ms: number | null): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && !Number.isNaN(new Date(ms).getTime());
}

/** Discord timestamp markup (shown in each reader's own time zone), or "an unknown time". */
export function safeTime(ms: number, style: TimestampStylesString = TimestampStyles.ShortDateTime): string {
  return isKnownTime(ms) ? time(Math.floor(ms / 1000), style) : 'an unknown time';
}

/** `<t:…:f> (<t:…:R>)`, or "an unknown time". */
export function whenText(ms: number): string {
  return isKnownTime(ms) ? `${safeTime(ms)} (${safeTime(ms, TimestampStyles.RelativeTime)})` : 'an unknown time';
}

/** ISO 8601 for an embed's `timestamp`, or undefined for an impossible time. */
export function isoTimestamp(ms: number): string | undefined {
  return isKnownTime(ms) ? new Date(ms).toISOString() : undefined;
}
