import { and, eq, inArray, isNotNull, isNull, like, sql } from 'drizzle-orm';
import { loadAccount, markRunningJobs, saveAccount } from '../db/jobs';
import { loadGuildSettings } from '../db/guilds';
import type { Db } from '../db/open';
import { enqueue } from '../db/outbox';
import { accountIncidents, jobs, outbox, subscriptions } from '../db/schema';
import type { AccountSignal } from './lifecycle';
import { jitter } from './policy';

export type IncidentKind = 'unauthorized' | 'payment_required' | 'warning';

export interface AccountOptions {
  /** While the account is refused, it is probed this often with one job. */
  probeIntervalMs: number;
  /** Discord ids of the bot's owners, who also hear of incidents by DM. */
  ownerUserIds: readonly string[];
  random: () => number;
}

/** What changed for the account, for the log. */
export type AccountChange = { kind: 'paused' | 'resumed' | 'warning_raised' | 'warning_resolved'; incident: IncidentKind } | null;

/**
 * Applies what one read said about the shared useapi account, inside the poller's transaction.
 * An incident (401, 402, a Midjourney warning) is raised once, with one alert per affected
 * server and owner, and resolved once, with one follow-up to the same people.
 */
export function applyAccountSignal(db: Db, signal: AccountSignal, at: number, opts: AccountOptions): AccountChange {
  const account = loadAccount(db);
  switch (signal.kind) {
    case 'refused': {
      if (account.problem === signal.problem) {
        saveAccount(db, { ...account, nextProbeAt: at + jitter(opts.probeIntervalMs, opts.random) });
        return null;
      }
      if (account.problem) resolveIncident(db, account.problem, at);
      saveAccount(db, { problem: signal.problem, since: at, nextProbeAt: at + opts.probeIntervalMs });
      markRunningJobs(db, signal.problem, at);
      raiseIncident(db, signal.problem, null, at, opts.ownerUserIds);
      return { kind: 'paused', incident: signal.problem };
    }
    case 'warning': {
      if (openIncident(db, 'warning')) return null;
      raiseIncident(db, 'warning', signal.detail, at, opts.ownerUserIds);
      return { kind: 'warning_raised', incident: 'warning' };
    }
    case 'healthy': {
      if (account.problem) {
        saveAccount(db, { problem: null, since: null, nextProbeAt: null });
        markRunningJobs(db, null, at);
        resolveIncident(db, account.problem, at);
        return { kind: 'resumed', incident: account.problem };
      }
      if (openIncident(db, 'warning') && resolveIncident(db, 'warning', at)) return { kind: 'warning_resolved', incident: 'warning' };
      return null;
    }
    case 'none':
      return null;
  }
}

function openIncident(db: Db, kind: IncidentKind) {
  return db
    .select()
    .from(accountIncidents)
    .where(and(eq(accountIncidents.kind, kind), isNull(accountIncidents.resolvedAt)))
    .get();
}

function raiseIncident(db: Db, kind: IncidentKind, detail: string | null, at: number, owners: readonly string[]): void {
  const incident = db.insert(accountIncidents).values({ kind, detail, startedAt: at }).returning().get();
  const total = alertAffectedServers(db, incident, at);
  for (const userId of owners) {
    enqueue(db, { kind: 'account_alert', dedupeKey: `incident:${incident.id}:owner:${userId}`, userId, payload: alertPayload(incident, total) }, at);
  }
}

type Incident = typeof accountIncidents.$inferSelect;

const alertPayload = (incident: Incident, affectedJobs: number) => ({
  incidentId: incident.id,
  kind: incident.kind,
  detail: incident.detail,
  since: incident.startedAt,
  affectedJobs,
});

/**
 * Alerts each server with jobs affected by the incident that has not heard of it yet (a server can
 * become affected while it lasts). Returns how many jobs are affected in all.
 */
function alertAffectedServers(db: Db, incident: Incident, at: number): number {
  const affected = db
    .select({ guildId: subscriptions.guildId, jobs: sql<number>`count(distinct ${subscriptions.jobId})` })
    .from(subscriptions)
    .innerJoin(jobs, eq(jobs.jobId, subscriptions.jobId))
    .where(and(eq(jobs.terminal, false), inArray(subscriptions.state, ['active', 'lost']), isNotNull(subscriptions.guildId)))
    .groupBy(subscriptions.guildId)
    .all();
  for (const { guildId, jobs: affectedJobs } of affected) {
    const { reviewChannelId } = loadGuildSettings(db, guildId!);
    if (!reviewChannelId) continue;
    enqueue(
      db,
      { kind: 'account_alert', dedupeKey: `incident:${incident.id}:guild:${guildId}`, channelId: reviewChannelId, payload: alertPayload(incident, affectedJobs) },
      at,
    );
  }
  return affected.reduce((sum, g) => sum + g.jobs, 0);
}

/** A job was just tracked: if an incident is under way, its server hears of it too. */
export function alertOpenIncidents(db: Db, at: number): void {
  const open = db.select().from(accountIncidents).where(isNull(accountIncidents.resolvedAt)).all();
  for (const incident of open) alertAffectedServers(db, incident, at);
}

/** Closes the open incident of that kind and tells everyone who was alerted; false if none was open. */
function resolveIncident(db: Db, kind: IncidentKind, at: number): boolean {
  const incident = openIncident(db, kind);
  if (!incident) return false;
  db.update(accountIncidents).set({ resolvedAt: at }).where(eq(accountIncidents.id, incident.id)).run();
  const alerted = db
    .select({ dedupeKey: outbox.dedupeKey, userId: outbox.userId, channelId: outbox.channelId })
    .from(outbox)
    .where(like(outbox.dedupeKey, `incident:${incident.id}:%`))
    .all();
  for (const target of alerted) {
    enqueue(
      db,
      {
        kind: 'account_recovered',
        dedupeKey: target.dedupeKey.replace(/^incident:/, 'recovered:'),
        userId: target.userId ?? undefined,
        channelId: target.channelId ?? undefined,
        payload: { incidentId: incident.id, kind, since: incident.startedAt, until: at },
      },
      at,
    );
  }
  return true;
}
