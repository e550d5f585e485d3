/**
 * The /track reply is the tracking message. While its interaction token lives, delivery edits it
 * through the interaction's own webhook route: Discord gives each token a rate-limit bucket of its
 * own, so those edits never queue behind the channel's 5 messages per 5 s (a busy channel's final
 * states arrive at once). After that, the channel route edits it like any message.
 *
 * Tokens are credentials: they are kept in memory only, never written to the database or a log. A
 * restart forgets them, and the channel route takes over.
 */

/** Discord's tokens live 15 minutes; a request started just before the end must still arrive in time. */
export const TOKEN_USE_MS = 14 * 60_000;
/** Tokens remembered at most (the oldest is forgotten first; its message is edited through the channel). */
const MAX_TOKENS = 1000;

export interface ReplyToken {
  applicationId: string;
  token: string;
}

export class TrackingReplies {
  /** Subscriptions whose /track reply is on its way: delivery must not post a message of its own for them. */
  private readonly pending = new Set<number>();
  private readonly tokens = new Map<number, ReplyToken & { usableUntil: number }>();

  /** Called in the same turn as the subscription is written, before delivery can see it. */
  begin(subscriptionId: number): void {
    this.pending.add(subscriptionId);
  }

  /** The reply is the subscription's message; its token edits it until `interactionAt` + TOKEN_USE_MS. */
  replied(subscriptionId: number, token: ReplyToken, interactionAt: number): void {
    this.pending.delete(subscriptionId);
    this.tokens.set(subscriptionId, { ...token, usableUntil: interactionAt + TOKEN_USE_MS });
    if (this.tokens.size > MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
  }

  /** The reply failed: delivery posts the tracking message itself. */
  notReplied(subscriptionId: number): void {
    this.pending.delete(subscriptionId);
  }

  /** Discord no longer takes the token (or the message is gone): the channel route from now on. */
  forget(subscriptionId: number): void {
    this.tokens.delete(subscriptionId);
  }

  waiting(): number[] {
    return [...this.pending];
  }

  tokenOf(subscriptionId: number, at: number): ReplyToken | undefined {
    const token = this.tokens.get(subscriptionId);
    if (token && token.usableUntil <= at) this.tokens.delete(subscriptionId);
    return token && token.usableUntil > at ? token : undefined;
  }

  /** Subscriptions whose message is edited through its token now. */
  live(at: number): number[] {
    for (const [id, token] of this.tokens) if (token.usableUntil <= at) this.tokens.delete(id);
    return [...this.tokens.keys()];
  }
}

/** The lane of a message edited through its interaction token: its own, like its rate limit. */
export const replyLane = (subscriptionId: number) => `reply:${subscriptionId}`;
