/**
 * `/tracker-status`: the owner's view of the running bot. Pure: facts in, Discord API JSON out.
 */
import { time, TimestampStyles, type APIEmbed } from 'discord.js';
import { EMBED_COLORS } from './jobView';
import { formatDuration } from './text';

export interface StatusFacts {
  version: string;
  startedAt: number;
  jobsFollowed: number;
  due: { depth: number; lagMs: number };
  upstream: {
    /** The account problem that paused polling, if any. */
    paused: string | null;
    pausedSince: number | null;
    lastAnswerAt: number | null;
    lastOutcome: string | null;
    /** Share of UPSTREAM_MAX_RPS used over the last seconds (0…1). */
    budgetUse: number;
    maxRequestsPerSecond: number;
  };
  lanesWaiting: number;
  outbox: { pending: number; oldestAgeMs: number };
  openIncidents: Record<string, number>;
  pendingReviews: number;
}

const INCIDENT_NAMES: Record<string, string> = {
  unauthorized: 'token refused (401)',
  payment_required: 'subscription or credit (402)',
  warning: 'Midjourney warning',
};

export function trackerStatusView(facts: StatusFacts, now: number): { embeds: APIEmbed[] } {
  const { upstream } = facts;
  const troubled = upstream.paused !== null || facts.due.lagMs > 60_000 || Object.values(facts.openIncidents).some((n) => n > 0);
  const incidents = Object.entries(facts.openIncidents).filter(([, n]) => n > 0);
  return {
    embeds: [
      {
        title: `Job tracker ${facts.version}`,
        color: troubled ? EMBED_COLORS.attention : EMBED_COLORS.completed,
        description: `Up for ${formatDuration(now - facts.startedAt)}, since ${time(Math.floor(facts.startedAt / 1000), TimestampStyles.ShortDateTime)}.`,
        fields: [
          { name: 'Jobs followed', value: String(facts.jobsFollowed), inline: true },
          {
            name: 'Due-queue',
            value: facts.due.depth === 0 ? 'nothing due' : `${facts.due.depth} due, oldest ${formatDuration(facts.due.lagMs)} late`,
            inline: true,
          },
          { name: 'Upstream (useapi.net)', value: upstreamText(upstream, now), inline: false },
          {
            name: 'Budget',
            value: `${Math.round(upstream.budgetUse * 100)}% of ${upstream.maxRequestsPerSecond} requests/s (last 10 s)`,
            inline: true,
          },
          { name: 'Discord lanes waiting', value: String(facts.lanesWaiting), inline: true },
          {
            name: 'Outbox',
            value: facts.outbox.pending === 0 ? 'empty' : `${facts.outbox.pending} to send, oldest ${formatDuration(facts.outbox.oldestAgeMs)}`,
            inline: true,
          },
          {
            name: 'Open incidents',
            value: incidents.length === 0 ? 'none' : incidents.map(([kind, n]) => `${INCIDENT_NAMES[kind] ?? kind}${n > 1 ? ` ×${n}` : ''}`).join(', '),
            inline: true,
          },
          { name: 'Reviews pending', value: String(facts.pendingReviews), inline: true },
        ],
      },
    ],
  };
}

function upstreamText(upstream: StatusFacts['upstream'], now: number): string {
  if (upstream.paused) {
    const since = upstream.pausedSince === null ? '' : ` for ${formatDuration(now - upstream.pausedSince)}`;
    return `paused${since}: ${INCIDENT_NAMES[upstream.paused] ?? upstream.paused}; probing until it recovers`;
  }
  if (upstream.lastAnswerAt === null) return upstream.lastOutcome ? `no answer yet (last: ${upstream.lastOutcome})` : 'not asked yet';
  return `answered ${formatDuration(now - upstream.lastAnswerAt)} ago (last: ${upstream.lastOutcome ?? 'ok'})`;
}
