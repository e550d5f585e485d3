import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
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
    const rows = subscriptionsOf(ctx.db, interaction.user.id, LISTED).map(({ subscription, job }) => ({
      job: toTrackedJob(job),
      link: subscription.state === 'lost' ? null : messageLink(subscription),
    }));
    await answer(interaction, jobListMessage(rows, ctx.now()));
  },
});
