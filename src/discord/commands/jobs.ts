import { MessageFlags, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { toTrackedJob } from '../../db/jobs';
import { subscriptionsOf } from '../../db/subscriptions';
import { messageLink } from '../views/dm';
import { jobListMessage } from '../views/jobList';
import { answer, COMMAND_CONTEXTS, defineCommand } from './command';

/** The listing shows this many of the person's newest jobs. */
const LISTED = 25;

export const jobsDefinition = {
  name: 'jobs',
  description: 'List the jobs you track: status, progress and results.',
  ...COMMAND_CONTEXTS,
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const jobsCommand = defineCommand(jobsDefinition, {
  async execute(interaction, _options, ctx) {
    const listed = subscriptionsOf(ctx.db, interaction.user.id, LISTED);
    const jobs = listed.map(({ job }) => toTrackedJob(job));
    const needsUpstream = ctx.freshLinks.wanted(jobs);
    // Asking upstream for fresh links can outlast the 3 s Discord gives an answer.
    if (needsUpstream) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const refreshed = needsUpstream ? await ctx.freshLinks.refresh(jobs) : jobs.map((job) => ({ job, failed: 0 }));
    const rows = listed.map(({ subscription }, i) => ({
      job: refreshed[i]!.job,
      link: subscription.state === 'lost' ? null : messageLink(subscription),
      ...(refreshed[i]!.failed > 0 && { note: 'Could not refresh the link: it may no longer open. Try `/jobs` again later.' }),
    }));
    const body = jobListMessage(rows, ctx.now());
    if (needsUpstream) await interaction.editReply({ ...body, allowedMentions: { parse: [] } });
    else await answer(interaction, body);
  },
});
