/** The INTERACTION_CREATE payload as Discord sends it, with what discord.js reads from it. */
import { ALL_PERMISSIONS } from './guildObject';
import type { ChannelRecord, DiscordState } from './state';
import { isObject, type ButtonClickOptions, type FakeMessage, type InteractionOption, type JsonObject, type SlashCommandOptions } from './types';
import type { InteractionRecord } from './interactionHandle';

/** ApplicationCommandOptionType values that name an entity. */
const OptionType = { User: 6, Channel: 7, Role: 8 } as const;

/** Discord sends the users, channels and roles named by options in `data.resolved`. */
export function resolvedOptions(state: DiscordState, options: InteractionOption[], guildId: string | undefined): JsonObject | undefined {
  const users: JsonObject = {};
  const channels: JsonObject = {};
  const roles: JsonObject = {};
  const visit = (list: InteractionOption[]) => {
    for (const option of list) {
      const id = String(option.value);
      if (option.type === OptionType.User) users[id] = state.userObject(id);
      if (option.type === OptionType.Channel) {
        const channel = state.channels.get(id);
        channels[id] = { id, type: channel?.type ?? 0, name: channel?.name ?? 'channel', permissions: ALL_PERMISSIONS, ...(guildId ? { guild_id: guildId } : {}) };
      }
      if (option.type === OptionType.Role) {
        roles[id] = { id, name: `role-${id.slice(-4)}`, color: 0, hoist: false, position: 1, permissions: '0', managed: false, mentionable: false, flags: 0 };
      }
      if (option.options) visit(option.options);
    }
  };
  visit(options);
  const resolved = {
    ...(Object.keys(users).length ? { users } : {}),
    ...(Object.keys(channels).length ? { channels } : {}),
    ...(Object.keys(roles).length ? { roles } : {}),
  };
  return Object.keys(resolved).length ? resolved : undefined;
}

/** The `custom_id`s of a message's components, nested rows and section accessories included. */
export function customIds(components: unknown): string[] {
  const out: string[] = [];
  const walk = (list: unknown) => {
    for (const c of Array.isArray(list) ? list.filter(isObject) : []) {
      if (typeof c.custom_id === 'string') out.push(c.custom_id);
      walk(c.components);
      if (isObject(c.accessory)) walk([c.accessory]);
    }
  };
  walk(components);
  return out;
}

export function interactionCreatePayload(
  state: DiscordState,
  record: InteractionRecord,
  opts: SlashCommandOptions | ButtonClickOptions,
  channel: ChannelRecord,
  data: JsonObject,
  sourceMessage?: FakeMessage,
): JsonObject {
  const { id, type, token, guildId } = record;
  return {
    id,
    application_id: state.config.applicationId,
    type,
    token,
    version: 1,
    locale: opts.locale ?? 'en-US',
    app_permissions: opts.appPermissions ?? ALL_PERMISSIONS,
    entitlements: [],
    authorizing_integration_owners: guildId ? { '0': guildId } : { '1': opts.user.id },
    context: guildId ? 0 : 1,
    attachment_size_limit: 10 * 1024 * 1024,
    channel: state.channelObject(channel),
    channel_id: channel.id,
    data,
    ...(sourceMessage ? { message: sourceMessage.data } : {}),
    ...(guildId
      ? {
          guild_id: guildId,
          guild: { id: guildId, locale: 'en-US', features: [] },
          guild_locale: 'en-US',
          member: state.memberObject(opts.user.id, { roles: opts.roles ?? [], permissions: opts.memberPermissions ?? ALL_PERMISSIONS }),
        }
      : { user: state.userObject(opts.user.id) }),
  };
}
