import { and, eq, inArray, sql } from 'drizzle-orm';
import { inTransaction } from '../../db/open';
import { jobs, subscriptions } from '../../db/schema';
import { findSubscription, subscriptionsOf } from '../../db/subscriptions';
import { answer, COMMAND_CONTEXTS, type Command, type CommandContext } from './command';

const MAX_CHOICES = 25;

export const untrack: Command = {
  definition: {
    name: 'untrack',
    description: 'Stop following a job you track.',
    options: [{ type: 3, name: 'jobid', description: 'One of your tracked jobs', required: true, autocomplete: true, max_length: 200 }],
    ...COMMAND_CONTEXTS,
  },

  async execute(interaction, ctx) {
    const raw = interaction.options.getString('jobid', true);
    const jobId = ctx.upstreams.keyOf(raw);
    if (!stopFollowing(ctx, interaction.user.id, jobId)) {
      return answer(interaction, 'You are not tracking that job. `/jobs` lists the ones you follow.');
    }
    ctx.log.info({ event: 'untracked', jobId, userId: interaction.user.id }, 'job untracked');
    return answer(interaction, `Stopped tracking \`${jobId}\`. Its message stays as it is; no DM will come.`);
  },

  async autocomplete(interaction, ctx) {
    const typed = interaction.options.getFocused().trim().toLowerCase();
    const choices = subscriptionsOf(ctx.db, interaction.user.id, 100)
      .filter(({ subscription }) => subscription.state !== 'done')
      .filter(({ job }) => job.jobId.toLowerCase().includes(typed))
      .slice(0, MAX_CHOICES)
      .map(({ job }) => ({ name: choiceName(job.status, job.progress, job.jobId), value: job.jobId }));
    await interaction.respond(choices);
  },
};

function choiceName(status: string | null, progress: number | null, jobId: string): string {
  const state = status === null ? 'waiting' : progress !== null && status === 'progress' ? `${progress}%` : status;
  const name = `${state} · ${jobId}`;
  return name.length <= 100 ? name : `${name.slice(0, 99)}…`;
}

/** Ends a person's subscription; a job nobody follows any more stops being polled. */
function stopFollowing(ctx: CommandContext, userId: string, jobId: string): boolean {
  const { db } = ctx;
  return inTransaction(db, () => {
    const sub = findSubscription(db, userId, jobId);
    if (!sub || sub.state === 'untracked') return false;
    db.update(subscriptions).set({ state: 'untracked' }).where(eq(subscriptions.id, sub.id)).run();
    const stillFollowed = db
      .select({ n: sql<number>`count(*)` })
      .from(subscriptions)
      .where(and(eq(subscriptions.jobId, jobId), inArray(subscriptions.state, ['active', 'lost'])))
      .get();
    if ((stillFollowed?.n ?? 0) === 0) {
      db.update(jobs).set({ nextPollAt: null }).where(and(eq(jobs.jobId, jobId), eq(jobs.terminal, false))).run();
    }
    return true;
  });
}
