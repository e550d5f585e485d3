import { MessageFlags } from 'discord.js';
import { toTrackedJob } from '../../db/jobs';
import { subscriptionsOf } from '../../db/subscriptions';
import { messageLink } from '../views/dm';
import { jobListMessage } from '../views/jobList';
import { COMMAND_CONTEXTS, type Command } from './command';

/** The listing shows this many of the person's newest jobs. */
const LISTED = 25;

export const jobsCommand: Command = {
  definition: {
    name: 'jobs',
    description: 'List the jobs you track: status, progress and results.',
    ...COMMAND_CONTEXTS,
  },

  async execute(interaction, ctx) {
    const rows = subscriptionsOf(ctx.db, interaction.user.id, LISTED).map(({ subscription, job }) => ({
      job: toTrackedJob(job),
      link: subscription.state === 'lost' ? null : messageLink(subscription),
    }));
    await interaction.reply({ ...jobListMessage(rows, ctx.now()), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
