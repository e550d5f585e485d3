import { DISCORD_LIMITS } from './limits';
import { cleanPrompt, inlineCode, truncate } from './text';

/** The fixed DM a person gets when an admin presses Warn. Short, calm, no prompt text echoed. */
export function warnDm(guildName: string | null, jobId: string): { content: string } {
  const name = typeof guildName === 'string' ? truncate(cleanPrompt(guildName), 100) : '';
  const from = name ? `the admins of **${name}**` : 'the admins of a server where you track Midjourney jobs';
  const content = [
    `Hello — a short note from ${from}.`,
    `Midjourney's moderation stopped the prompt of your job ${inlineCode(String(jobId ?? ''), 120)}.`,
    "Please keep prompts within Midjourney's community guidelines: repeated moderation puts the Midjourney account this server shares at risk of a ban.",
    'No reply is needed. Thank you!',
  ].join('\n');
  return { content: truncate(content, DISCORD_LIMITS.content) };
}
