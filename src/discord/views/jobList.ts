import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { EMBED_COLORS, FOOTER_TEXT, deriveJobView } from './jobView';
import { DISCORD_LIMITS, clampEmbed } from './limits';
import { resultLinkLines } from './render';
import { formatDuration, progressBar, safeLink, truncate } from './text';

export interface JobListRow {
  job: JobSnapshot;
  /** Link to the job's tracking message, if there is one. */
  link: string | null;
  /** A plain sentence under the results (e.g. that a link could not be refreshed). */
  note?: string;
}

/** One job's block is kept under this so a few jobs with long result URLs cannot crowd out the rest. */
const ROW_MAX = 700;
const PROMPT_MAX = 120;
/** A /jobs answer uses at most this many embeds (Discord allows 10). */
const MAX_EMBEDS = 4;

function rowBlock(index: number, row: JobListRow, now: number): string {
  const view = deriveJobView(row.job, now);
  const link = safeLink(row.link);
  // The headline goes in bold; markdown-special characters in it (an unknown upstream status)
  // are already escaped by the view.
  const parts = [`**${index}. ${view.headline}**`];
  if (!view.headline.includes('%') && view.running && view.progress !== null) parts.push(`${view.progress}%`);
  parts.push(formatDuration(view.elapsedMs));
  if (link) parts.push(`[message](${link})`);
  const lines = [parts.join(' · '), view.jobIdCode];
  if (view.prompt) lines.push(`> ${truncate(view.prompt, PROMPT_MAX)}`);
  if (view.running && view.progress !== null) lines.push(progressBar(view.progress, 10));
  const head = lines.join('\n');
  const results: string[] = [];
  for (const { heading, line } of resultLinkLines(view, ROW_MAX - head.length - 1 - [view.expiry, row.note].reduce((n, line) => n + (line ? line.length + 1 : 0), 0))) {
    if (line) results.push(line);
    else if (link) results.push(`**${heading}:** in the tracking message`);
  }
  if (results.length > 0 && view.expiry) results.push(view.expiry);
  if (row.note) results.push(row.note);
  return results.length ? `${head}\n${results.join('\n')}` : head;
}

/** The /jobs answer: every tracked job with status, progress, elapsed time and result links. */
export function jobListMessage(
  rows: ReadonlyArray<JobListRow>,
  now: number,
): { embeds: APIEmbed[]; components?: APIActionRowComponent<APIButtonComponent>[] } {
  // The upstreams the listed jobs run on.
  const footer = rows.length === 0 ? FOOTER_TEXT : [...new Set(rows.map((r) => namesOf(r.job.upstream).product))].join(' · ');
  if (rows.length === 0) {
    return {
      embeds: [
        {
          title: 'Your tracked jobs',
          description: "You aren't tracking any jobs. Use `/track jobid:…` to follow one.",
          color: EMBED_COLORS.waiting,
          footer: { text: footer },
        },
      ],
      components: [],
    };
  }

  const title = `Your tracked jobs (${rows.length})`;
  // Blocks go into the first embed's description up to 4,096 characters, then spill into further
  // embeds of the same message while the message stays under 6,000 characters in all.
  const totalBudget = DISCORD_LIMITS.total - title.length - footer.length;
  const moreLine = (n: number): string => `…and ${n} more`;
  const pages: string[][] = [[]];
  const pageLen: number[] = [0];
  let used = 0;
  let shown = 0;
  for (let i = 0; i < rows.length; i++) {
    const block = truncate(rowBlock(i + 1, rows[i]!, now), ROW_MAX);
    const remaining = rows.length - i - 1;
    // Keep room for the "…and N more" line unless this is the last row.
    const reserve = remaining > 0 ? 2 + moreLine(remaining).length : 0;
    let page = pages.length - 1;
    let sep = pages[page]!.length ? 2 : 0;
    if (pageLen[page]! + sep + block.length + reserve > DISCORD_LIMITS.description) {
      if (pages.length >= MAX_EMBEDS) break;
      pages.push([]);
      pageLen.push(0);
      page++;
      sep = 0;
    }
    if (used + sep + block.length + reserve > totalBudget) break;
    pages[page]!.push(block);
    pageLen[page]! += sep + block.length;
    used += sep + block.length;
    shown++;
  }
  const hidden = rows.length - shown;
  const texts = pages.map((p) => p.join('\n\n')).filter((t) => t.length > 0);
  if (hidden > 0) {
    const last = texts.length - 1;
    if (last >= 0) texts[last] += `\n\n${moreLine(hidden)}`;
    else texts.push(moreLine(hidden));
  }

  const anyRunning = rows.some((r) => r.job.status !== null && !r.job.terminal);
  const color = anyRunning ? EMBED_COLORS.running : EMBED_COLORS.stopped;
  const embeds: APIEmbed[] = texts.map((description) => ({ description, color }));
  const first = embeds[0]!;
  first.title = title;
  const lastEmbed = embeds[embeds.length - 1]!;
  lastEmbed.footer = { text: footer };
  if (Number.isFinite(now) && !Number.isNaN(new Date(now).getTime())) lastEmbed.timestamp = new Date(now).toISOString();
  return { embeds: embeds.map((e) => clampEmbed(e)), components: [] };
}
