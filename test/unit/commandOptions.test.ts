import { describe, expectTypeOf, it } from 'vitest';
import type { CommandOptions } from '../../src/discord/commands/command';
import { reviewDefinition } from '../../src/discord/commands/review';
import { trackerSettingsDefinition } from '../../src/discord/commands/settings';
import { trackDefinition } from '../../src/discord/commands/track';

// Checked by `npm run typecheck`: a handler can read only the options its definition declares.
describe('a handler reads options by the names and types its definition declares', () => {
  it('/track: one string option and one boolean option', () => {
    type Options = CommandOptions<typeof trackDefinition>;
    expectTypeOf<Parameters<Options['getString']>[0]>().toEqualTypeOf<'jobid'>();
    expectTypeOf<Parameters<Options['getBoolean']>[0]>().toEqualTypeOf<'dm'>();
    expectTypeOf<Parameters<Options['getUser']>[0]>().toEqualTypeOf<never>();
    expectTypeOf<Options['getString']>().toBeCallableWith('jobid', true);
    expectTypeOf<Options['getString']>().parameter(0).not.toEqualTypeOf<string>();
  });

  it('subcommands name their options and the subcommand itself', () => {
    type Settings = CommandOptions<typeof trackerSettingsDefinition>;
    expectTypeOf<ReturnType<Settings['getSubcommand']>>().toEqualTypeOf<'show' | 'set' | 'clear' | 'blocks' | 'unblock'>();
    expectTypeOf<Parameters<Settings['getInteger']>[0]>().toEqualTypeOf<'max_jobs'>();
    expectTypeOf<Parameters<Settings['getChannel']>[0]>().toEqualTypeOf<'review_channel'>();
    expectTypeOf<Parameters<Settings['getRole']>[0]>().toEqualTypeOf<'admin_role'>();
    type Review = CommandOptions<typeof reviewDefinition>;
    expectTypeOf<Parameters<Review['getString']>[0]>().toEqualTypeOf<'status' | 'jobid'>();
  });
});
