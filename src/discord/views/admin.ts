/**
 * What server admins see: `/tracker-settings show`, the list of blocks, and the account alerts
 * posted to review channels. Pure: values in, Discord API JSON out.
 */
import { TimestampStyles, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { AccountIncidentKind } from '../../domain/job';
import { DEFAULT_UPSTREAM, namesOf, type UpstreamNames } from '../../domain/upstream';
import { EMBED_COLORS } from './jobView';
import { problemHeadlines, problemTexts } from './problemTexts';
import { DISCORD_LIMITS, clampEmbed } from './limits';
import { isKnownTime, isoTimestamp, safeChannelMention, safeRoleMention, safeTime, safeUserMention, whenText } from './markup';
import { postFailure } from './reviewDetail';
import { cleanText, formatDuration, joinWithinBudget, truncate } from './text';

export interface GuildSettingsView {
  reviewChannelId: string | null;
  adminRoleId: string | null;
  maxActiveJobsPerUser: number | null;
  dmDefault: boolean | null;
  hidePrompts: boolean | null;
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');

function countText(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(Math.max(0, Math.floor(n))) : '?';
}

// ---------------------------------------------------------------------------------------------
// /tracker-settings show

/** Each setting with its value, or "(default: …)" when the server has not set it. */
export function settingsView(
  settings: GuildSettingsView,
  defaults: { maxActiveJobsPerUser: number; dmDefault: boolean; hidePrompts: boolean },
  /** The server's latest review post event (`posted` or `post_failed`), if any. */
  lastPost?: { action: string; at: number; detail: string | null } | null,
): { embeds: APIEmbed[] } {
  const channel = safeChannelMention(settings.reviewChannelId);
  const role = safeRoleMention(settings.adminRoleId);
  const cap = settings.maxActiveJobsPerUser;
  const fields: APIEmbedField[] = [
    { name: 'Review channel', value: channel ?? 'Not set', inline: false },
    {
      name: 'Admin role',
      value: role ? `${role} (and members with Manage Server)` : 'Not set: only members with Manage Server can review',
      inline: false,
    },
    {
      name: 'Tracked jobs per person',
      value:
        cap === null || cap === undefined
          ? `(default: ${countText(defaults.maxActiveJobsPerUser)})`
          : `${countText(cap)} at a time`,
      inline: true,
    },
    {
      name: 'DMs by default',
      value:
        settings.dmDefault === null || settings.dmDefault === undefined
          ? `(default: ${onOff(defaults.dmDefault)})`
          : onOff(settings.dmDefault),
      inline: true,
    },
    {
      name: 'Prompts in public messages',
      value: `${(settings.hidePrompts ?? defaults.hidePrompts) ? 'hidden (shown only to the person, by DM and in /jobs)' : 'shown'}${settings.hidePrompts === null || settings.hidePrompts === undefined ? ' (default)' : ''}`,
      inline: true,
    },
  ];
  const failure = lastPost?.action === 'post_failed' ? postFailure(lastPost.detail) : null;
  if (failure) {
    fields.push({ name: '⚠️ Review posts', value: `Last post to ${failure.channel} failed ${safeTime(lastPost!.at, TimestampStyles.RelativeTime)}: ${failure.reason}`, inline: false });
  }
  const description = channel
    ? `Moderated jobs tracked in this server go into the review queue and are posted to ${channel} with Dismiss / Warn / Block buttons. \`/review list\` and \`/review show\` work as well.`
    : 'No review channel is set. Moderated jobs tracked in this server still go into the review queue, and `/review list` and `/review show` work; set a review channel to also get a post with Dismiss / Warn / Block buttons for each one.';
  const embed: APIEmbed = {
    title: 'Tracker settings for this server',
    description,
    color: EMBED_COLORS.waiting,
    fields,
    footer: { text: 'Only members with Manage Server can change these, with /tracker-settings.' },
  };
  return { embeds: [clampEmbed(embed)] };
}

// ---------------------------------------------------------------------------------------------
// /tracker-settings blocks

/** Blocked people, newest first: `<@id> — blocked by <@admin> <t:…:R>`; "…and N more" past the limits. */
export function blocksView(blocks: Array<{ userId: string; blockedBy: string; blockedAt: number }>): { embeds: APIEmbed[] } {
  const L = DISCORD_LIMITS;
  const list = Array.isArray(blocks) ? blocks : [];
  if (list.length === 0) {
    return {
      embeds: [
        clampEmbed({
          title: 'Blocked from /track',
          description: 'Nobody is blocked in this server.',
          color: EMBED_COLORS.completed,
        }),
      ],
    };
  }
  const title = `Blocked from /track (${list.length})`;
  const footer = 'A blocked person cannot /track in this server until unblocked with /tracker-settings.';
  const sorted = [...list].sort((a, b) => (Number.isFinite(b.blockedAt) ? b.blockedAt : 0) - (Number.isFinite(a.blockedAt) ? a.blockedAt : 0));
  const budget = Math.min(L.description, L.total - title.length - footer.length - 16);
  const lines = sorted.map((b) => truncate(`${safeUserMention(b.userId)} — blocked by ${safeUserMention(b.blockedBy)} ${safeTime(b.blockedAt, TimestampStyles.RelativeTime)}`, 200));
  const description = joinWithinBudget(lines, '\n', budget);
  return {
    embeds: [clampEmbed({ title, description, color: EMBED_COLORS.failed, footer: { text: footer } })],
  };
}

// ---------------------------------------------------------------------------------------------
// Account alerts


const alertTitles = (names: UpstreamNames): Record<AccountIncidentKind, string> => ({
  unauthorized: `${problemHeadlines(names).unauthorized}: polling paused`,
  payment_required: `${problemHeadlines(names).payment_required}: polling paused`,
  warning: 'Midjourney flagged the shared account',
});
const ALERT_TITLES = alertTitles(namesOf(DEFAULT_UPSTREAM));

const WARNING_TEXT =
  "Midjourney sent a warning about the account this bot uses for everyone (for example HTTP 596 “pending moderation”, a CAPTCHA, or wording about a ban). Jobs may fail until someone acts: whoever holds the account must deal with the notice in Midjourney's Discord (solve the CAPTCHA or acknowledge the warning) and then reset the channel on useapi.net. Repeated moderated prompts make a ban more likely, so check `/review list` too.";

const alertTexts = (names: UpstreamNames): Record<AccountIncidentKind, string> => ({
  unauthorized: problemTexts(names).unauthorized,
  payment_required: problemTexts(names).payment_required,
  warning: WARNING_TEXT,
});

function kindOf(kind: AccountIncidentKind): AccountIncidentKind {
  return Object.hasOwn(ALERT_TITLES, kind) ? kind : 'warning';
}

/** Posted once per incident to a review channel (and DMed to owners). */
export function accountAlert(
  kind: AccountIncidentKind,
  detail: string | null,
  affectedJobs: number,
  since: number,
  names: UpstreamNames = namesOf(DEFAULT_UPSTREAM),
): { embeds: APIEmbed[] } {
  const k = kindOf(kind);
  const n = typeof affectedJobs === 'number' && Number.isFinite(affectedJobs) ? Math.max(0, Math.floor(affectedJobs)) : 0;
  const fields: APIEmbedField[] = [
    {
      name: 'Affected here',
      value: n === 0 ? 'No running job tracked in this server' : `${n} tracked job${n === 1 ? '' : 's'} in this server`,
      inline: true,
    },
    { name: 'Since', value: whenText(since), inline: true },
  ];
  const said = typeof detail === 'string' ? truncate(cleanText(detail), 1000) : '';
  if (said) fields.push({ name: `What ${names.service} said`, value: said, inline: false });
  const embed: APIEmbed = {
    title: alertTitles(names)[k],
    description: alertTexts(names)[k],
    color: k === 'warning' ? EMBED_COLORS.failed : EMBED_COLORS.attention,
    fields,
    footer: { text: `One alert per incident; a follow-up comes when it is resolved. · ${names.product}` },
  };
  const ts = isoTimestamp(since);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)] };
}

const recoveredTitles = ({ service }: UpstreamNames): Record<AccountIncidentKind, string> => ({
  unauthorized: `Resolved: ${service} accepts the token again`,
  payment_required: `Resolved: ${service} subscription active again`,
  warning: 'Resolved: Midjourney account working again',
});

/** The follow-up when polling works again: "Resolved after <duration>". */
export function accountRecovered(kind: AccountIncidentKind, since: number, now: number, names: UpstreamNames = namesOf(DEFAULT_UPSTREAM)): { embeds: APIEmbed[] } {
  const k = kindOf(kind);
  const description = `Resolved after ${formatDuration(now - since)}${
    isKnownTime(since) ? ` (the problem began ${safeTime(since)})` : ''
  }. Polling has resumed and tracking messages catch up by themselves.`;
  const embed: APIEmbed = {
    title: recoveredTitles(names)[k],
    description,
    color: EMBED_COLORS.completed,
    footer: { text: names.product },
  };
  const ts = isoTimestamp(now);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)] };
}
