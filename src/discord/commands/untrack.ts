import { ApplicationCommandOptionType, inlineCode, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { subscriptionsOf, unfollow } from '../../db/subscriptions';
import { answer, COMMAND_CONTEXTS, defineCommand } from './command';

const MAX_CHOICES = 25;

export const untrackDefinition = {
  name: 'untrack',
  description: 'Stop following a job you track.',
  options: [
    { type: ApplicationCommandOptionType.String, name: 'jobid', description: 'One of your tracked jobs', required: true, autocomplete: true, max_length: 200 },
  ],
  ...COMMAND_CONTEXTS,
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const untrack = defineCommand(untrackDefinition, {
  async execute(interaction, options, ctx) {
    const raw = options.getString('jobid', true);
    const jobId = ctx.upstreams.keyOf(raw);
    if (!unfollow(ctx.db, interaction.user.id, jobId)) {
      return answer(interaction, 'You are not tracking that job. `/jobs` lists the ones you follow.');
    }
    ctx.log.info({ event: 'untracked', jobId, userId: interaction.user.id }, 'job untracked');
    return answer(interaction, `Stopped tracking ${inlineCode(jobId)}. Its message stays as it is; no DM will come.`);
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
});

function choiceName(status: string | null, progress: number | null, jobId: string): string {
  const state = status === null ? 'waiting' : progress !== null && status === 'running' ? `${progress}%` : status;
  const name = `${state} · ${jobId}`;
  return name.length <= 100 ? name : `${name.slice(0, 99)}…`;
}
