import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './open';
import { blocks, guildSettings } from './schema';

export type GuildSettings = Omit<typeof guildSettings.$inferSelect, 'updatedBy' | 'updatedAt'>;

export function loadGuildSettings(db: Db, guildId: string): GuildSettings {
  const row = db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId)).get();
  return {
    guildId,
    reviewChannelId: row?.reviewChannelId ?? null,
    adminRoleId: row?.adminRoleId ?? null,
    maxActiveJobsPerUser: row?.maxActiveJobsPerUser ?? null,
    dmDefault: row?.dmDefault ?? null,
    hidePrompts: row?.hidePrompts ?? null,
  };
}

/** Whether the server's public tracking messages leave the prompt out; off by default and outside servers. */
export function promptsHidden(db: Db, guildId: string | null): boolean {
  if (guildId === null) return false;
  return db.select({ hide: guildSettings.hidePrompts }).from(guildSettings).where(eq(guildSettings.guildId, guildId)).get()?.hide === true;
}

export function updateGuildSettings(
  db: Db,
  guildId: string,
  changes: Partial<Omit<GuildSettings, 'guildId'>>,
  by: string,
  at: number,
): void {
  const values = { ...changes, updatedBy: by, updatedAt: at };
  db.insert(guildSettings)
    .values({ guildId, ...values })
    .onConflictDoUpdate({ target: guildSettings.guildId, set: values })
    .run();
}

export function isBlocked(db: Db, guildId: string, userId: string): boolean {
  return db.select().from(blocks).where(and(eq(blocks.guildId, guildId), eq(blocks.userId, userId))).get() !== undefined;
}

export function blocksOf(db: Db, guildId: string) {
  return db.select().from(blocks).where(eq(blocks.guildId, guildId)).orderBy(asc(blocks.blockedAt)).all();
}

export function block(db: Db, entry: { guildId: string; userId: string; blockedBy: string; at: number; reviewId: number | null }): void {
  db.insert(blocks)
    .values({ guildId: entry.guildId, userId: entry.userId, blockedBy: entry.blockedBy, blockedAt: entry.at, reviewId: entry.reviewId })
    .onConflictDoNothing()
    .run();
}

/** The block lifted, or undefined when the person was not blocked. */
export function unblock(db: Db, guildId: string, userId: string): typeof blocks.$inferSelect | undefined {
  return db.delete(blocks).where(and(eq(blocks.guildId, guildId), eq(blocks.userId, userId))).returning().get();
}
