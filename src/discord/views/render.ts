/** Turns a JobView into an embed and link-button rows that always fit Discord's limits. */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed, type APIEmbedField } from 'discord.js';
import { DISCORD_LIMITS, clampEmbed, clampRows, fitFields } from './limits';
import type { JobView, ResultLink } from './jobView';
import { formatDuration, progressBar, truncate } from './text';

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

export interface MessageBody {
  embeds: APIEmbed[];
  components: ButtonRow[];
}

const SEP = '\n\n';
/** Room always left for the prompt before upstream error texts are cut. */
const PROMPT_RESERVE = 600;
/**
 * Longest prompt shown: a 5,000-character Midjourney prompt would bury the status and results
 * under a wall of text, and every edit would resend it.
 */
export const PROMPT_SHOWN_MAX = 1024;
/** At most this much of the description goes to result links (the buttons carry them too). */
const LINKS_BUDGET = 2200;

export function linkButton(label: string, url: string): APIButtonComponent {
  return { type: ComponentType.Button, style: ButtonStyle.Link, label: truncate(label, DISCORD_LIMITS.buttonLabel), url };
}

/** Link buttons, five to a row. */
export function linkRows(links: readonly ResultLink[]): ButtonRow[] {
  const rows: ButtonRow[] = [];
  for (let i = 0; i < links.length; i += DISCORD_LIMITS.buttonsPerRow) {
    const chunk = links.slice(i, i + DISCORD_LIMITS.buttonsPerRow);
    rows.push({ type: ComponentType.ActionRow, components: chunk.map((l) => linkButton(l.label, l.url)) });
  }
  return rows;
}

/** `**Images:** [Image 1](…) · [Image 2](…)`, as many links as fit in `budget`. */
function linkLine(heading: string, links: readonly ResultLink[], budget: number): string {
  let line = '';
  for (const l of links) {
    const part = `[${l.label}](${l.url})`;
    const next = line ? `${line} · ${part}` : `**${heading}:** ${part}`;
    if (next.length > budget) break;
    line = next;
  }
  return line;
}

/** A `linkLine` per kind of result the view has (images, then videos) within `budget` altogether; '' for a kind none of whose links fit. */
export function resultLinkLines(view: JobView, budget: number): Array<{ heading: string; line: string }> {
  const lines: Array<{ heading: string; line: string }> = [];
  let left = budget;
  for (const [heading, list] of [
    ['Images', view.images],
    ['Videos', view.videos],
  ] as const) {
    if (list.length === 0) continue;
    const line = linkLine(heading, list, left);
    if (line) left -= line.length + 1;
    lines.push({ heading, line });
  }
  return lines;
}

export interface RenderOptions {
  /** Overrides the view's headline as the embed title. */
  title?: string;
  /** Lines placed right after the prompt (e.g. the DM's link to the tracking message). */
  lead?: string[];
  /** Extra link buttons appended after the result buttons (own row). */
  extraButtons?: ResultLink[];
  now: number;
}

export function renderJob(view: JobView, opts: RenderOptions): MessageBody {
  const L = DISCORD_LIMITS;
  const title = truncate(opts.title ?? view.headline, L.title);
  const footer = truncate(view.footer, 200);

  const fields: APIEmbedField[] = [
    { name: 'Job id', value: view.jobIdCode, inline: false },
    { name: 'Status', value: view.statusLabel || '—', inline: true },
    { name: 'Elapsed', value: formatDuration(view.elapsedMs), inline: true },
  ];
  // Progress is shown while it can still change or once known; a finished job that never
  // reported any progress gets no empty "—" field.
  const finished = ['completed', 'failed', 'moderated', 'refused', 'unknown', 'not_found', 'expired', 'max_age'].includes(view.kind);
  if (view.progress !== null || !finished) {
    fields.push({ name: 'Progress', value: view.progress === null ? '—' : `${view.progress}%`, inline: true });
  }

  // Sections of the description other than the prompt.
  const others: string[] = [];
  if (view.running && view.progress !== null) others.push(progressBar(view.progress));
  for (const line of opts.lead ?? []) if (line) others.push(line);
  if (view.note) others.push(view.note);
  const linkLines = resultLinkLines(view, LINKS_BUDGET).filter(({ line }) => line);
  for (const { line } of linkLines) others.push(line);
  if (linkLines.length > 0 && view.expiry) others.push(view.expiry);
  const othersText = others.join(SEP);

  const fixed =
    title.length + footer.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const promptWant = view.prompt ? Math.min(view.prompt.length + 2 + SEP.length, PROMPT_RESERVE) : 0;

  // Upstream details (error, errorDetails, Midjourney embeds): each ≤ 1024, all together within
  // what the total leaves after the fixed parts, the other sections and a reserve for the prompt.
  const detailRoom = Math.max(0, L.total - fixed - othersText.length - promptWant - 16);
  fields.push(...fitFields(view.details, detailRoom, L.fields - fields.length));

  // The prompt gets what is left of the description and of the total.
  let description = othersText;
  if (view.prompt) {
    const used = title.length + footer.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    const overhead = 2 + (othersText ? SEP.length : 0);
    const room = Math.min(
      PROMPT_SHOWN_MAX,
      L.description - othersText.length - overhead,
      L.total - used - othersText.length - overhead,
    );
    const prompt = truncate(view.prompt, room);
    if (prompt) description = `> ${prompt}${othersText ? SEP + othersText : ''}`;
  }

  const embed: APIEmbed = {
    title,
    color: view.color,
    fields,
    footer: { text: footer },
  };
  if (description) embed.description = description;
  if (view.gridUrl) embed.image = { url: view.gridUrl };
  if (Number.isFinite(opts.now)) {
    const ts = new Date(opts.now);
    if (!Number.isNaN(ts.getTime())) embed.timestamp = ts.toISOString();
  }

  const finalEmbed = clampEmbed(embed);
  const rows = [...linkRows(view.images), ...linkRows(view.videos), ...linkRows(opts.extraButtons ?? [])];
  return { embeds: [finalEmbed], components: clampRows(rows) };
}
