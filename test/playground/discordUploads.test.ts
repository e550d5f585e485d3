/** The loopback Discord checks Components V2 bodies and multipart uploads as Discord does, and serves what was uploaded. */
import { DiscordAPIError, MessageFlags, REST, Routes, type APIMessage } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord/index';

const V2 = MessageFlags.IsComponentsV2;
const PNG = Buffer.from('\x89PNG\r\n\x1a\n fake picture bytes', 'latin1');

let fake: FakeDiscord;
let rest: REST;
let channel: string;

beforeAll(async () => {
  fake = await startFakeDiscord({ uploadLimitBytes: 64 * 1024 });
  rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken(fake.token);
  channel = fake.guilds[0]!.channels[0]!.id;
});
afterEach(() => {
  fake.assertClean();
});
afterAll(async () => {
  await fake.close();
});

const gallery = (...names: string[]) => ({
  type: 17,
  components: [
    { type: 10, content: '## Completed' },
    { type: 12, items: names.map((name) => ({ media: { url: `attachment://${name}` } })) },
  ],
});

async function refusal(request: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await request.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('Components V2 and uploads', () => {
  it('a V2 gallery of uploaded files: attachments named as the body says, bytes served from their URLs', async () => {
    const message = (await rest.post(Routes.channelMessages(channel), {
      body: { flags: V2, components: [gallery('image-1.png')], attachments: [{ id: '0', filename: 'image-1.png' }] },
      files: [{ name: 'upload.bin', data: PNG, contentType: 'image/png' }],
    })) as APIMessage;
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ filename: 'image-1.png', size: PNG.length, content_type: 'image/png' });
    const served = await fetch(message.attachments[0]!.url);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('refuses an attachment:// that names no attachment, and an attachments[].id with no files[n]', async () => {
    const missing = await refusal(
      rest.post(Routes.channelMessages(channel), {
        body: { flags: V2, components: [gallery('image-2.png')], attachments: [{ id: '0', filename: 'image-1.png' }] },
        files: [{ name: 'image-1.png', data: PNG, contentType: 'image/png' }],
      }),
    );
    expect(missing).toMatchObject({ status: 400, code: 50035 });
    const unmatched = await refusal(
      rest.post(Routes.channelMessages(channel), {
        body: { flags: V2, components: [gallery('image-1.png')], attachments: [{ id: '1', filename: 'image-1.png' }] },
        files: [{ name: 'image-1.png', data: PNG, contentType: 'image/png' }],
      }),
    );
    expect(unmatched).toMatchObject({ status: 400, code: 50035 });
    const violations = fake.takeViolations().join('\n');
    expect(violations).toContain('attachment://image-2.png names no attachment');
    expect(violations).toContain('Attachment 1 is neither an uploaded files[1]');
  });

  it('answers 413 40005 when the files are over the upload limit, and creates nothing', async () => {
    const before = fake.channelMessages(channel).length;
    const error = await refusal(
      rest.post(Routes.channelMessages(channel), {
        body: { flags: V2, components: [gallery('big.png')], attachments: [{ id: '0', filename: 'big.png' }] },
        files: [{ name: 'big.png', data: Buffer.alloc(64 * 1024 + 1), contentType: 'image/png' }],
      }),
    );
    expect(error).toMatchObject({ status: 413, code: 40005 });
    expect(fake.channelMessages(channel)).toHaveLength(before);
  });

  it('turns an embed message into V2 only with content and embeds cleared, and never back', async () => {
    const message = (await rest.post(Routes.channelMessages(channel), { body: { content: 'hi', embeds: [{ title: 'Running' }] } })) as APIMessage;
    const route = Routes.channelMessage(channel, message.id);
    const files = [{ name: 'image-1.png', data: PNG, contentType: 'image/png' }];
    const v2 = { flags: V2, components: [gallery('image-1.png')], attachments: [{ id: '0', filename: 'image-1.png' }] };

    expect(await refusal(rest.patch(route, { body: v2, files }))).toMatchObject({ status: 400, code: 50035 });
    expect(await refusal(rest.patch(route, { body: { ...v2, embeds: [{ title: 'x' }], content: '' }, files }))).toMatchObject({ code: 50035 });
    const edited = (await rest.patch(route, { body: { ...v2, content: '', embeds: [] }, files })) as APIMessage;
    expect(edited.flags! & V2).toBe(V2);
    expect(edited.embeds).toEqual([]);

    // A later edit keeps the uploaded file by id instead of uploading it again.
    const kept = (await rest.patch(route, { body: { components: [gallery('image-1.png')], attachments: [{ id: edited.attachments[0]!.id }] } })) as APIMessage;
    expect(kept.attachments.map((a) => a.id)).toEqual(edited.attachments.map((a) => a.id));

    expect(await refusal(rest.patch(route, { body: { flags: 0, content: 'back to text', components: [] } }))).toMatchObject({ code: 50035 });
    expect(await refusal(rest.patch(route, { body: { content: 'text on a V2 message' } }))).toMatchObject({ code: 50035 });
    const violations = fake.takeViolations().join('\n');
    expect(violations).toContain("keeps its 'embeds'");
    expect(violations).toContain('IS_COMPONENTS_V2 flag cannot be removed');
    expect(violations).toContain("keeps its 'content'");
    expect(fake.message(channel, message.id)?.data.components).toHaveLength(1);
  });

  it('refuses V2 components without the flag, over 40 components, over 4,000 characters of text, over 10 gallery items', async () => {
    const post = (body: object) => refusal(rest.post(Routes.channelMessages(channel), { body }));
    const text = (content: string) => ({ type: 10, content });
    expect(await post({ components: [{ type: 17, components: [text('no flag')] }] })).toMatchObject({ code: 50035 });
    expect(await post({ flags: V2, components: [{ type: 17, components: Array.from({ length: 40 }, (_, i) => text(`t${i}`)) }] })).toMatchObject({ code: 50035 });
    expect(await post({ flags: V2, components: [text('x'.repeat(2000)), text('y'.repeat(2001))] })).toMatchObject({ code: 50035 });
    const items = Array.from({ length: 11 }, () => ({ media: { url: 'https://example.com/a.png' } }));
    expect(await post({ flags: V2, components: [{ type: 12, items }] })).toMatchObject({ code: 50035 });
    const violations = fake.takeViolations().join('\n');
    expect(violations).toContain('needs MessageFlags.IS_COMPONENTS_V2');
    expect(violations).toContain('40 or fewer components in total (got 41)');
    expect(violations).toContain('4000 or fewer characters in total (got 4001)');
    expect(violations).toMatch(/components\[0\]\.items/);
  });
});
