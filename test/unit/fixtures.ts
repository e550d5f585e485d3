import type { UpstreamJob } from '../../src/useapi/job';

/** Midjourney's moderation as useapi passes it on (useapi-v3.md §6), for view tests. */
export const MODERATED_FIELDS = {
  status: 'moderated',
  updated: '2025-10-23T14:15:24.000Z',
  error: 'Action needed to continue',
  errorDetails: 'Sorry! Our AI moderators feel your prompt might be against our community standards…',
  code: 422,
  response: {
    embeds: [
      {
        type: 'rich',
        title: 'Action needed to continue',
        description:
          'Sorry! Our AI moderators feel your prompt might be against our community standards.\n\nIf you think this is a mistake, please press the "Appeal" button below…',
        color: 16711680,
      },
    ],
    buttons: ['Appeal'],
  },
} satisfies Partial<UpstreamJob>;
