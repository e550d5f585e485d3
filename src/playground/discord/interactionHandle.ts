/** An interaction the fake sent, and the handle a test holds to see how the bot answered it. */
import { MessageFlag, messageText } from './messages';
import { isObject, type FakeMessage, type InteractionHandle, type InteractionResponse } from './types';

export const InteractionType = { ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4 } as const;
export type InteractionTypeValue = (typeof InteractionType)[keyof typeof InteractionType];

export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

export const typeNames: Record<InteractionTypeValue, string> = { 2: 'application command', 3: 'message component', 4: 'autocomplete' };

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionTypeValue;
  createdAt: number;
  channelId: string;
  guildId?: string;
  userId: string;
  /** Message components: the message the component is on. */
  sourceMessageId?: string;
  /** Callback type once acknowledged. */
  acknowledgedWith?: number;
  /** The response message (@original), once there is one. */
  originalMessageId?: string;
  followupIds: string[];
  expired: boolean;
  handle: Handle;
}

/** What a test holds to see how the bot answered one interaction. */
export class Handle implements InteractionHandle {
  readonly responses: InteractionResponse[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly record: InteractionRecord,
    private readonly lookup: (messageId: string) => FakeMessage | undefined,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get token(): string {
    return this.record.token;
  }

  get type(): number {
    return this.record.type;
  }

  push(response: InteractionResponse): void {
    this.responses.push(response);
    for (const wake of [...this.waiters]) wake();
  }

  async waitForResponse(timeoutMs = 2000): Promise<InteractionResponse> {
    await this.waitFor((h) => h.responses.length > 0, timeoutMs);
    return this.responses[0]!;
  }

  waitFor(predicate: (handle: InteractionHandle) => boolean, timeoutMs = 2000): Promise<InteractionHandle> {
    if (predicate(this)) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => {
        try {
          if (predicate(this)) {
            done();
            resolve(this);
          }
        } catch (error) {
          done();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake discord: interaction ${this.id} (${typeNames[this.record.type]}): condition not met within ${timeoutMs} ms. Responses so far: ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  ephemeral(): boolean {
    const callback = this.responses.find((r) => r.kind === 'callback');
    if (callback?.type === CallbackType.DeferredUpdateMessage || callback?.type === CallbackType.UpdateMessage) {
      return this.original()?.ephemeral ?? false;
    }
    return typeof callback?.body.flags === 'number' && (callback.body.flags & MessageFlag.Ephemeral) !== 0;
  }

  original(): FakeMessage | undefined {
    const id = this.record.originalMessageId;
    return id === undefined ? undefined : this.lookup(id);
  }

  followups(): FakeMessage[] {
    return this.record.followupIds.map((id) => this.lookup(id)).filter((m): m is FakeMessage => m !== undefined);
  }

  text(): string {
    const original = this.original();
    if (original && this.record.acknowledgedWith !== undefined) return messageText(original.data);
    const last = this.responses.at(-1)?.body;
    if (!last) return '';
    if (Array.isArray(last.choices)) return last.choices.filter(isObject).map((c) => String(c.name)).join('\n');
    return messageText(last);
  }

  private describe(): string {
    if (this.responses.length === 0) return 'none';
    return this.responses.map((r) => `${r.kind}${r.type !== undefined ? `(type ${r.type})` : ''} ${JSON.stringify(r.body).slice(0, 200)}`).join('; ');
  }
}
