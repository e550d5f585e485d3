import { Writable } from 'node:stream';
import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';

function memoryLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: 'info', secrets: ['bot-token-secret'], destination }), lines };
}

// Shaped like Discord's interaction tokens; known to nobody in advance, so no `secrets` entry can hold it.
const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA6Q2xpY2tNZVBsZWFzZUlBbUFUb2tlbg';
const INTERACTION_ID = '1234567890123456789';
const APPLICATION_ID = '1100000000000000001';

describe('logged Discord errors', () => {
  it('carry no interaction or webhook token', () => {
    const { log, lines } = memoryLogger();
    const callback = new DiscordAPIError(
      { code: 10062, message: 'Unknown interaction' },
      10062,
      404,
      'POST',
      `https://discord.com/api/v10/interactions/${INTERACTION_ID}/${INTERACTION_TOKEN}/callback?with_response=false`,
      { body: { type: 4, data: { content: 'Tracking…' } } },
    );
    const followUp = new DiscordAPIError(
      { code: 50035, message: 'Invalid Form Body' },
      50035,
      400,
      'PATCH',
      `https://discord.com/api/v10/webhooks/${APPLICATION_ID}/${INTERACTION_TOKEN}/messages/@original`,
      { body: { content: 'x' } },
    );

    log.error({ event: 'interaction_failed', err: callback }, 'interaction handler failed');
    log.error({ event: 'interaction_failed', err: followUp }, 'interaction handler failed');
    log.warn({ event: 'elsewhere', detail: `PATCH /webhooks/${APPLICATION_ID}/${INTERACTION_TOKEN}/messages/@original failed` }, 'free text');

    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(INTERACTION_TOKEN);
    const logged = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    // What helps to debug stays: which call, and what Discord said.
    expect(logged.err).toMatchObject({ method: 'POST', status: 404, code: 10062, rawError: { message: 'Unknown interaction' } });
    expect(logged.err.url).toBe(`https://discord.com/api/v10/interactions/${INTERACTION_ID}/[REDACTED]/callback?with_response=false`);
    // What the bot sent (the person's content, attachments) does not go to the log.
    expect(logged.err).not.toHaveProperty('requestBody');
  });

  it('still scrub the configured secrets', () => {
    const { log, lines } = memoryLogger();
    log.error({ err: new Error('auth bot-token-secret refused') }, 'failed');
    expect(lines[0]).not.toContain('bot-token-secret');
  });
});
