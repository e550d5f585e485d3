/**
 * Dev tool (not part of `npm test`): renders sample view outputs as PNGs through an HTML
 * approximation of Discord's dark theme, so a person can look at how the messages read.
 *
 *   npx tsx test/tools/render-embeds.ts [outDir=/tmp/embeds]
 *
 * Needs a Chromium binary (CHROMIUM env var, else `chromium` on PATH). Nothing here touches the
 * network: images are drawn as placeholders.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../src/domain/job';
import { trackingMessage } from '../../src/discord/views/tracking';
import { messageLostDm, resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { accountAlert, accountRecovered } from '../../src/discord/views/admin';
import { reviewPost } from '../../src/discord/views/reviewPost';
import type { ReviewRecord } from '../../src/discord/views/reviewStatus';
import type { UpstreamJob } from '../../src/upstreams/useapi-midjourney/record';
import { withRecord } from '../unit/fixtures';

const outDir = process.argv[2] ?? '/tmp/embeds';
const chromium = process.env.CHROMIUM ?? 'chromium';

// ----------------------------------------------------------------------------- sample data
const J = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
const NOW = Date.parse('2025-10-23T14:17:00.000Z');
const base: JobSnapshot = {
  jobId: J,
  upstream: 'useapi-midjourney',
  reading: null,
  status: null,
  progress: null,
  problem: null,
  terminal: false,
  trackedAt: Date.parse('2025-10-23T14:15:21.000Z'),
  finishedAt: null,
  notFoundUntil: null,
};
const common = { jobid: J, verb: 'imagine', jobType: 'image', created: '2025-10-23T14:15:20.123Z' };
const imageUx = [0, 1, 2, 3].map((i) => ({ id: i + 1, url: `https://cdn.midjourney.com/abc-guid/0_${i}.jpeg` }));

const completed: JobSnapshot = withRecord(
  {
  ...base,
  progress: 100,
  terminal: true,
  finishedAt: NOW,
}, {
    ...common,
    status: 'completed',
    updated: '2025-10-23T14:16:45.789Z',
    request: { prompt: 'a cat in a hat, **watercolor** <@1111111111111111111> @everyone --ar 16:9 --v 7' },
    response: {
      progress_percent: 100,
      attachments: [{ url: 'https://cdn.discordapp.com/attachments/1/2/grid.png', width: 1920, height: 1080 }],
      imageUx,
    },
  },
);
const progress: JobSnapshot = withRecord(
  {
  ...base,
  progress: 45,
}, {
    ...common,
    status: 'progress',
    updated: '2025-10-23T14:16:41.010Z',
    request: { prompt: 'مرحبا 👩‍👩‍👧‍👦 a lighthouse in a storm, `dramatic` ||lighting|| --ar 3:2' },
    response: { progress_percent: 45 },
  },
);
const failed: JobSnapshot = withRecord(
  {
  ...base,
  progress: 62,
  terminal: true,
  finishedAt: NOW,
}, {
    ...common,
    status: 'failed',
    updated: '2025-10-23T14:29:20.200Z',
    request: { prompt: 'a cat in a hat --ar 16:9' },
    error: { code: 'MJ_TIMEOUT', message: 'Job timed out' },
    errorDetails: 'No update from Midjourney for 14 minutes',
    code: 504,
    response: { progress_percent: 62 },
  },
);
const moderated: JobSnapshot = withRecord(
  {
  ...base,
  terminal: true,
  finishedAt: NOW,
}, {
    ...common,
    status: 'moderated',
    updated: '2025-10-23T14:15:24.000Z',
    request: { prompt: 'a prompt that Midjourney did not like' },
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
        },
      ],
      buttons: ['Appeal'],
    },
  },
);
/** A moderated job whose record still carries its pictures: the review channel shows them behind spoilers. */
const moderatedWithMedia: JobSnapshot = withRecord(moderated, {
  ...(moderated.reading!.raw as UpstreamJob),
  code: 403,
  response: { ...(moderated.reading!.raw as UpstreamJob).response, imageUx },
});
/** A midjourney-proxy result on Discord's CDN, signed until 20 minutes from now. */
const signedUntil = Math.floor((NOW + 20 * 60_000) / 1000).toString(16);
const proxyCompleted: JobSnapshot = {
  ...completed,
  jobId: 'mj-proxy:1730000000000001',
  upstream: 'mj-proxy',
  reading: {
    ...completed.reading!,
    media: [1, 2, 3, 4].map((n) => ({ kind: 'image' as const, url: `https://cdn.discordapp.com/attachments/1/2/${n}.png?ex=${signedUntil}&is=0&hm=0`, expiresAt: Number.parseInt(signedUntil, 16) * 1000 })),
  },
};
const unauthorized: JobSnapshot = { ...progress, problem: 'unauthorized' };
const longPrompt: JobSnapshot = withRecord(completed, {
  ...(completed.reading!.raw as UpstreamJob),
  request: { prompt: 'an extremely long prompt with many words '.repeat(200) },
});

interface Body {
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIButtonComponent>[];
  content?: string;
}
const review: ReviewRecord = {
  id: 7,
  guildId: '900000000000000001',
  jobId: J,
  userId: '800000000000000001',
  status: 'pending',
  createdAt: NOW - 60_000,
  actedBy: null,
  actedAt: null,
};
const samples: Record<string, Body> = {
  'review-pending': reviewPost(review, moderated, NOW),
  'review-media-spoilered': reviewPost(review, moderatedWithMedia, NOW),
  'hidden-prompt': trackingMessage(completed, NOW, { hidePrompt: true }),
  'links-expire': trackingMessage(proxyCompleted, NOW),
  'review-blocked': reviewPost({ ...review, status: 'blocked', actedBy: '800000000000000009', actedAt: NOW }, moderated, NOW),
  'alert-401': accountAlert('unauthorized', null, 3, NOW - 120_000),
  'alert-resolved': accountRecovered('unauthorized', NOW - 3_600_000, NOW),
  completed: trackingMessage(completed, NOW),
  progress: trackingMessage(progress, NOW),
  listed: trackingMessage({ ...base, status: 'running' }, NOW),
  failed: trackingMessage(failed, NOW),
  moderated: trackingMessage(moderated, NOW),
  unauthorized: trackingMessage(unauthorized, NOW),
  'long-prompt': trackingMessage(longPrompt, NOW),
  'dm-completed': resultDm(completed, { guildId: '1', channelId: '2', messageId: '3' }, NOW),
  'dm-lost': messageLostDm(J, 'no_access'),
  jobs: jobListMessage(
    [
      { job: progress, link: 'https://discord.com/channels/1/2/3' },
      { job: completed, link: 'https://discord.com/channels/1/2/4' },
      { job: failed, link: null },
      { job: moderated, link: null },
      { job: unauthorized, link: null },
    ],
    NOW,
  ),
};

// ----------------------------------------------------------------------------- tiny markdown
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(md: string): string {
  const escapes: string[] = [];
  let s = md.replace(/\\([^\w\s])/g, (_m, c: string) => `\u0000${escapes.push(c) - 1}\u0000`);
  s = esc(s);
  s = s.replace(/`([^`]+)`/g, '<code>$1</code>');
  s = s.replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>');
  s = s.replace(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g, '<a>$1</a>');
  s = s.replace(/(^|[\s(])(https:\/\/[^\s<]+)/g, '$1<a>$2</a>');
  s = s.replace(/\|\|(.+?)\|\|/g, '<span class="spoiler">$1</span>');
  s = s.replace(/&lt;t:(\d+):([fR])&gt;/g, (_m, t: string, style: string) => {
    const at = new Date(Number(t) * 1000);
    const text = style === 'R' ? `in ${Math.round((at.getTime() - NOW) / 60_000)} minutes` : at.toUTCString().replace(/:\d\d GMT$/, '');
    return `<span class="ts">${text}</span>`;
  });
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => esc(escapes[Number(i)]!));
}

function markdown(md: string): string {
  return md
    .split('\n')
    .map((line) => (line.startsWith('> ') ? `<div class="quote">${inline(line.slice(2))}</div>` : `<div>${inline(line) || '&nbsp;'}</div>`))
    .join('');
}

function embedHtml(e: APIEmbed): string {
  const color = `#${(e.color ?? 0x202225).toString(16).padStart(6, '0')}`;
  const fields = (e.fields ?? [])
    .map((f) => `<div class="field ${f.inline ? 'inline' : ''}"><div class="fname">${inline(f.name)}</div><div class="fvalue">${markdown(f.value)}</div></div>`)
    .join('');
  const image = e.image?.url ? `<div class="image">grid image<br><small>${esc(e.image.url)}</small></div>` : '';
  const ts = e.timestamp ? ' • Today at 14:17' : '';
  return `<div class="embed" style="border-left-color:${color}">
    ${e.title ? `<div class="title">${esc(e.title)}</div>` : ''}
    ${e.description ? `<div class="desc">${markdown(e.description)}</div>` : ''}
    ${fields ? `<div class="fields">${fields}</div>` : ''}
    ${image}
    ${e.footer ? `<div class="footer">${esc(e.footer.text)}${ts}</div>` : ''}
  </div>`;
}

function bodyHtml(b: Body): string {
  const rows = (b.components ?? [])
    .map(
      (r) =>
        `<div class="row">${r.components.map((c) => `<span class="btn">${esc((c as { label?: string }).label ?? '')} ↗</span>`).join('')}</div>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { background:#313338; color:#dbdee1; font: 15px/1.375 "gg sans","Noto Sans","DejaVu Sans",sans-serif; margin:0; padding:16px 16px 16px 72px; width: 620px; }
    .author { color:#f2f3f5; font-weight:600; margin-bottom:4px } .author span { background:#5865f2; color:#fff; font-size:10px; padding:1px 4px; border-radius:3px; margin-left:4px }
    .content { margin-bottom: 4px }
    .embed { background:#2b2d31; border-left:4px solid; border-radius:4px; padding:8px 16px 16px 12px; max-width:516px; margin-top:4px; font-size:14px }
    .title { color:#f2f3f5; font-weight:600; font-size:16px; margin-top:8px }
    .desc { margin-top:8px; white-space: pre-wrap; word-wrap: break-word }
    .quote { border-left: 4px solid #4e5058; padding-left: 12px; }
    .spoiler { background:#1e1f22; color:#1e1f22; border-radius:3px; padding:0 2px } .spoiler a { color:#1e1f22 } .ts { background:#3c3f45; border-radius:3px; padding:0 2px }
    a, .desc a { color:#00a8fc } code { background:#1e1f22; padding: 0 3px; border-radius:3px; font-size: 85% }
    .fields { display:grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin-top:8px }
    .field { grid-column: 1 / 4 } .field.inline { grid-column: auto }
    .fname { color:#f2f3f5; font-weight:600; font-size:14px } .fvalue { white-space: pre-wrap; word-wrap: break-word }
    .image { margin-top:16px; height: 180px; background:#1e1f22; border-radius:4px; display:flex; flex-direction:column; align-items:center; justify-content:center; color:#80848e; font-size: 12px; text-align:center; word-break: break-all }
    .footer { margin-top:8px; font-size:12px; color:#b5bac1 }
    .row { margin-top:8px; display:flex; gap:8px } .btn { background:#4e5058; color:#fff; border-radius:3px; padding:2px 16px; height:32px; line-height:32px; font-size:14px }
  </style></head><body><div class="author">Job Tracker <span>APP</span></div>
  ${b.content ? `<div class="content">${inline(b.content)}</div>` : ''}
  ${(b.embeds ?? []).map(embedHtml).join('')}${rows}</body></html>`;
}

// ----------------------------------------------------------------------------- render
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'render-embeds-'));
try {
  for (const [name, body] of Object.entries(samples)) {
    const html = join(work, `${name}.html`);
    writeFileSync(html, bodyHtml(body));
    const png = join(outDir, `${name}.png`);
    const profile = mkdtempSync(join(work, 'profile-'));
    execFileSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        '--window-size=720,1400',
        `--screenshot=${png}`,
        `file://${html}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    console.log(png);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
