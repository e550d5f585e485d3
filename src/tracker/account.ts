import { and, eq, inArray, isNotNull, isNull, like, lte, sql } from 'drizzle-orm';
import { loadAccount, markRunningJobs, saveAccount } from '../db/jobs';
import { loadGuildSettings } from '../db/guilds';
import type { Db } from '../db/open';
import { enqueue } from '../db/outbox';
import { accountIncidents, jobs, outbox, subscriptions } from '../db/schema';
import type { AccountIncidentKind } from '../domain/job';
import type { AccountSignal } from './lifecycle';

export interface AccountOptions {
  /** While the account is refused, it is probed this often with one job. */
  probeIntervalMs: number;
  /** Discord ids of the bot's owners, who also hear of incidents by DM. */
  ownerUserIds: readonly string[];
}

/** What changed for the account, for the log. */
export type AccountChange = { kind: 'paused' | 'resumed' | 'warning_raised' | 'warning_resolved'; incident: AccountIncidentKind } | null;

/**
 * useapi never says that a flagged Midjourney channel is fine again except by answering reads on
 * it; a warning with no new one for its scope this long is over, so a channel nobody reads any
 * more does not stay flagged for ever.
 */
export const WARNING_CALM_MS = 15 * 60_000;

/** When the read that gave the signal was recorded (`at`) and sent (`sentAt`). */
export interface SignalTimes {
  at: number;
  sentAt: number;
}

/**
 * Applies what one read said about its upstream account, inside the poller's transaction.
 * An incident (401, 402, a Midjourney warning on one channel) is raised once, with one alert per
 * affected server and owner, and resolved once, with one follow-up to the same people.
 */
export function applyAccountSignal(db: Db, signal: AccountSignal, times: SignalTimes, opts: AccountOptions): AccountChange {
  const calmed = resolveCalmWarnings(db, times.at);
  return applySignal(db, signal, times, opts) ?? (calmed ? { kind: 'warning_resolved', incident: 'warning' } : null);
}

function applySignal(db: Db, signal: AccountSignal, { at, sentAt }: SignalTimes, opts: AccountOptions): AccountChange {
  if (signal.kind === 'none') return null;
  const key = signal.account;
  const account = loadAccount(db, key);
  switch (signal.kind) {
    case 'refused': {
      if (account.problem === signal.problem) return null;
      if (account.problem) resolveOpenIncident(db, key, account.problem, at);
      saveAccount(db, key, { problem: signal.problem, since: at, nextProbeAt: at + opts.probeIntervalMs });
      markRunningJobs(db, key, signal.problem, at);
      raiseIncident(db, { account: key, kind: signal.problem, detail: null, channel: null }, at, opts.ownerUserIds);
      return { kind: 'paused', incident: signal.problem };
    }
    case 'warning': {
      const open = openWarning(db, key, signal.scope);
      if (open) {
        db.update(accountIncidents).set({ lastSeenAt: at }).where(eq(accountIncidents.id, open.id)).run();
        return null;
      }
      raiseIncident(db, { account: key, kind: 'warning', detail: signal.detail, channel: signal.scope }, at, opts.ownerUserIds);
      return { kind: 'warning_raised', incident: 'warning' };
    }
    case 'healthy': {
      if (account.problem) {
        // A read sent before the account was refused says nothing about it now.
        if (account.since !== null && sentAt < account.since) return null;
        saveAccount(db, key, { problem: null, since: null, nextProbeAt: null });
        markRunningJobs(db, key, null, at);
        resolveOpenIncident(db, key, account.problem, at);
        return { kind: 'resumed', incident: account.problem };
      }
      // Only a read on the flagged scope, sent after the warning, shows that it works again.
      const open = openWarning(db, key, signal.scope);
      if (!open || sentAt < open.startedAt) return null;
      resolveIncident(db, open, at);
      return { kind: 'warning_resolved', incident: 'warning' };
    }
  }
}

type Incident = typeof accountIncidents.$inferSelect;

const unresolved = isNull(accountIncidents.resolvedAt);

function openIncident(db: Db, account: string, kind: AccountIncidentKind): Incident | undefined {
  return db.select().from(accountIncidents).where(and(eq(accountIncidents.account, account), eq(accountIncidents.kind, kind), unresolved)).get();
}

/** The open warning of one scope of an account (null: a job without one). */
function openWarning(db: Db, account: string, scope: string | null): Incident | undefined {
  const ofScope = scope === null ? isNull(accountIncidents.channel) : eq(accountIncidents.channel, scope);
  return db
    .select()
    .from(accountIncidents)
    .where(and(eq(accountIncidents.account, account), eq(accountIncidents.kind, 'warning'), unresolved, ofScope))
    .get();
}

function resolveCalmWarnings(db: Db, at: number): boolean {
  const calm = db
    .select()
    .from(accountIncidents)
    .where(and(eq(accountIncidents.kind, 'warning'), unresolved, lte(sql`coalesce(${accountIncidents.lastSeenAt}, ${accountIncidents.startedAt})`, at - WARNING_CALM_MS)))
    .all();
  for (const incident of calm) resolveIncident(db, incident, at);
  return calm.length > 0;
}

function raiseIncident(
  db: Db,
  what: { account: string; kind: AccountIncidentKind; detail: string | null; channel: string | null },
  at: number,
  owners: readonly string[],
): void {
  const incident = db.insert(accountIncidents).values({ ...what, startedAt: at, lastSeenAt: at }).returning().get();
  const total = alertAffectedServers(db, incident, at);
  for (const userId of owners) {
    enqueue(db, { kind: 'account_alert', dedupeKey: `incident:${incident.id}:owner:${userId}`, userId, payload: alertPayload(incident, total) }, at);
  }
}

const alertPayload = (incident: Incident, affectedJobs: number) => ({
  incidentId: incident.id,
  account: incident.account,
  kind: incident.kind,
  detail: incident.detail,
  since: incident.startedAt,
  affectedJobs,
});

/**
 * Alerts each server with jobs affected by the incident that has not heard of it yet (a server can
 * become affected while it lasts): every unfinished job of the account for a 401/402, those on its
 * scope (Midjourney channel) for a warning. Returns how many jobs are affected in all.
 */
function alertAffectedServers(db: Db, incident: Incident, at: number): number {
  const onScope = incident.channel === null ? undefined : eq(jobs.scope, incident.channel);
  const affected = db
    .select({ guildId: subscriptions.guildId, jobs: sql<number>`count(distinct ${subscriptions.jobId})` })
    .from(subscriptions)
    .innerJoin(jobs, eq(jobs.jobId, subscriptions.jobId))
    .where(
      and(eq(jobs.terminal, false), eq(jobs.account, incident.account), inArray(subscriptions.state, ['active', 'lost']), isNotNull(subscriptions.guildId), onScope),
    )
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
  const open = db.select().from(accountIncidents).where(unresolved).all();
  for (const incident of open) alertAffectedServers(db, incident, at);
}

function resolveOpenIncident(db: Db, account: string, kind: AccountIncidentKind, at: number): void {
  const incident = openIncident(db, account, kind);
  if (incident) resolveIncident(db, incident, at);
}

/** Closes the incident and tells everyone who was alerted. */
function resolveIncident(db: Db, incident: Incident, at: number): void {
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
        payload: { incidentId: incident.id, account: incident.account, kind: incident.kind, since: incident.startedAt, until: at },
      },
      at,
    );
  }
}
