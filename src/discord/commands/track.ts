import { and, eq, isNull } from 'drizzle-orm';
import { isBlocked, loadGuildSettings } from '../../db/guilds';
import { loadAccount, URGENT } from '../../db/jobs';
import { inTransaction } from '../../db/open';
import { jobs, subscriptions } from '../../db/schema';
import { countOpenSubscriptions, findSubscription } from '../../db/subscriptions';
import { alertOpenIncidents } from '../../tracker/account';
import { jobIdProblemText, parseJobId } from '../../useapi/jobId';
import { messageLink } from '../views/dm';
import { answer, COMMAND_CONTEXTS, DM_DEFAULT, type Command, type CommandContext } from './command';
import { NEEDED_TO_POST } from './permissions';

type TrackOutcome =
  | { kind: 'tracking' }
  | { kind: 'already'; link: string | null }
  | { kind: 'cap' };

export const track: Command = {
  definition: {
    name: 'track',
    description: 'Follow a useapi.net Midjourney v3 job: a message here stays up to date until it ends.',
    options: [
      { type: 3, name: 'jobid', description: 'The v3 job id (j…-u…-c…-bot:midjourney)', required: true, max_length: 200 },
      { type: 5, name: 'dm', description: 'DM me when the job ends (default: yes, unless the server says otherwise)', required: false },
    ],
    ...COMMAND_CONTEXTS,
  },

  async execute(interaction, ctx) {
    const parsed = parseJobId(interaction.options.getString('jobid', true));
    if (!parsed.ok) return answer(interaction, jobIdProblemText(parsed.reason));
    const { jobId } = parsed;
    if (ctx.useapiAccount !== null && jobId.account !== ctx.useapiAccount) {
      return answer(
        interaction,
        'That job was made with a different useapi.net account than the one this bot uses, so the bot cannot read it.',
      );
    }
    if (interaction.inGuild() && !interaction.appPermissions.has(NEEDED_TO_POST)) {
      return answer(
        interaction,
        'I cannot post in this channel. I need **View Channel**, **Send Messages** and **Embed Links** here; ask an admin, or try another channel.',
      );
    }

    const settings = interaction.inGuild() ? loadGuildSettings(ctx.db, interaction.guildId) : null;
    if (settings && isBlocked(ctx.db, settings.guildId, interaction.user.id)) {
      return answer(interaction, 'The admins of this server have blocked you from tracking jobs here.');
    }
    const cap = settings?.maxActiveJobsPerUser ?? ctx.maxActiveJobsPerUser;
    const dm = interaction.options.getBoolean('dm') ?? settings?.dmDefault ?? DM_DEFAULT;
    const outcome = subscribe(ctx, cap, {
      jobId: jobId.id,
      userId: interaction.user.id,
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      dm,
    });
    switch (outcome.kind) {
      case 'cap':
        return answer(
          interaction,
          `You are already following ${cap} jobs that have not finished, the most allowed at once${settings ? ' in this server' : ''}. ` +
            'Wait for one to end, or stop one with `/untrack`.',
        );
      case 'already':
        return answer(interaction, `You are already tracking \`${jobId.id}\`${outcome.link ? `: ${outcome.link}` : '.'}`);
      case 'tracking': {
        ctx.onChange();
        ctx.log.info({ event: 'tracked', jobId: jobId.id, userId: interaction.user.id, guildId: interaction.guildId }, 'job tracked');
        return answer(
          interaction,
          `Tracking \`${jobId.id}\`. A message in this channel will follow it${dm ? ', and I will DM you when it ends' : ''}.`,
        );
      }
    }
  },
};

function subscribe(
  ctx: CommandContext,
  cap: number,
  request: { jobId: string; userId: string; guildId: string | null; channelId: string; dm: boolean },
): TrackOutcome {
  const now = ctx.now();
  const { db } = ctx;
  return inTransaction(db, (): TrackOutcome => {
    const existing = findSubscription(db, request.userId, request.jobId);
    if (existing && (existing.state === 'active' || existing.state === 'done')) {
      return { kind: 'already', link: messageLink(existing) };
    }
    if (countOpenSubscriptions(db, request.userId, request.guildId) >= cap) return { kind: 'cap' };

    // A newly tracked job is read first: the person who just ran /track is waiting for it.
    db.insert(jobs)
      .values({ jobId: request.jobId, trackedAt: now, nextPollAt: URGENT, problem: loadAccount(db).problem })
      .onConflictDoNothing()
      .run();
    // A job nobody followed any more was parked (no poll time): wake it.
    db.update(jobs)
      .set({ nextPollAt: URGENT })
      .where(and(eq(jobs.jobId, request.jobId), eq(jobs.terminal, false), isNull(jobs.nextPollAt)))
      .run();

    const fresh = { guildId: request.guildId, channelId: request.channelId, dm: request.dm, messageId: null, renderedVersion: 0, createdAt: now };
    if (existing) {
      db.update(subscriptions).set({ ...fresh, state: 'active', lostReason: null }).where(eq(subscriptions.id, existing.id)).run();
    } else {
      db.insert(subscriptions).values({ ...fresh, jobId: request.jobId, userId: request.userId }).run();
    }
    alertOpenIncidents(db, now);
    return { kind: 'tracking' };
  });
}
