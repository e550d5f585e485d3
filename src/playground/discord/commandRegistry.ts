/** Registered application commands, global and per guild, with ids that stay stable per name. */
import type { SnowflakeGenerator } from './snowflake';
import type { JsonObject } from './types';

export const ApplicationCommandType = { ChatInput: 1 } as const;

export class CommandRegistry {
  private readonly commandSets = new Map<string, JsonObject[]>();
  private readonly commandIds = new Map<string, string>();

  constructor(
    private readonly ids: SnowflakeGenerator,
    private readonly applicationId: string,
  ) {}

  /** Bulk overwrite: the set replaces the previous one; ids stay stable per name. */
  set(guildId: string | undefined, bodies: JsonObject[]): JsonObject[] {
    const scope = guildId ?? 'global';
    const commands = bodies.map((body) => {
      const name = String(body.name);
      const key = `${scope}:${typeof body.type === 'number' ? body.type : ApplicationCommandType.ChatInput}:${name}`;
      const id = this.commandIds.get(key) ?? this.ids.next();
      this.commandIds.set(key, id);
      return {
        id,
        application_id: this.applicationId,
        version: this.ids.next(),
        type: ApplicationCommandType.ChatInput,
        description: '',
        options: [],
        default_member_permissions: null,
        nsfw: false,
        ...body,
        ...(guildId ? { guild_id: guildId } : {}),
      };
    });
    this.commandSets.set(scope, commands);
    return commands;
  }

  add(guildId: string | undefined, body: JsonObject): JsonObject {
    const others = this.list(guildId).filter((c) => c.name !== body.name);
    const all = this.set(guildId, [...others, body]);
    return all.at(-1)!;
  }

  list(guildId?: string): JsonObject[] {
    return this.commandSets.get(guildId ?? 'global') ?? [];
  }

  /** The registered command's id, or a stable made-up one when nothing was registered. */
  idOf(name: string, guildId?: string): string {
    const found = [...this.list(guildId), ...this.list()].find((c) => c.name === name);
    if (typeof found?.id === 'string') return found.id;
    const key = `unregistered:${name}`;
    const id = this.commandIds.get(key) ?? this.ids.next();
    this.commandIds.set(key, id);
    return id;
  }
}
