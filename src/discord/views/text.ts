/**
 * Text helpers shared by the views. Pure: strings in, strings out.
 *
 * Lengths: Discord's limits are checked here in UTF-16 code units (`string.length`). That is what
 * Discord's own OpenAPI schema and discord.js count, and it is never less than the number of code
 * points, so text that fits by this measure fits whichever way Discord counts.
 */

export { stringifyUpstream } from '../../domain/text';

const ELLIPSIS = '…';

// Lone surrogates (a high one not followed by a low one, or a low one not preceded by a high one).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0/C1 control characters except tab and newline; bidi embeddings/overrides/isolates (spoofing);
// BOM and other invisible format characters that have no business in an embed. ZWJ/ZWNJ (U+200C/D)
// are kept: emoji sequences and several scripts need them.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF\uFFF9-\uFFFB]/g;

/** Replace lone surrogates with U+FFFD and drop control / bidi-override characters. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '');
}

/** Break `@everyone` / `@here` with a zero-width space so they can never ping or look like a ping. */
export function neutraliseMassMentions(text: string): string {
  return text.replace(/@(everyone|here)\b/gi, '@\u200B$1');
}

/** `<@123>`, `<@!123>`, `<@&123>`, the docs' `<@user>`, and channel mentions `<#123>`. */
const MENTION = /<(?:@[!&]?|#)[^<>\s]{0,64}>/g;

export function stripMentions(text: string): string {
  return text.replace(MENTION, '');
}

// A bare URL without characters that markdown could pick up even inside an autolink.
const URL_TOKEN = /^https?:\/\/[^\s`|*~<>[\]\\]+$/i;

/**
 * Escape Discord markdown so text shows as typed and cannot open code blocks, spoilers, masked
 * links, headings, quotes or lists. Tokens that are bare URLs are left alone so they stay
 * clickable (Midjourney image prompts start with URLs).
 */
export function escapeMarkdown(text: string): string {
  return text
    .split(/(\s+)/)
    .map((token, i) => {
      if (i % 2 === 1 || URL_TOKEN.test(token)) return token; // whitespace separator or URL
      return token.replace(/[\\*_~`|[\]<>#]/g, '\\$&');
    })
    .join('')
    .replace(/^(\s*)([-+]|\d+\.)(?=\s)/gm, '$1\\$2'); // list markers / `-#` subtext at a line start
}

/**
 * A prompt as Midjourney/useapi report it, made safe to show: drops the `**…**` bold markers and
 * mentions, collapses whitespace (one line), neutralises `@everyone`/`@here`, escapes markdown,
 * repairs lone surrogates. `--params` are kept as written.
 */
export function cleanPrompt(raw: string): string {
  let text = wellFormed(raw);
  text = text.replace(/\*\*/g, '');
  text = stripMentions(text);
  text = text.replace(/\s+/g, ' ').trim();
  text = neutraliseMassMentions(text);
  return escapeMarkdown(text);
}

/**
 * Upstream free text (error messages, Midjourney embed text) made safe to show: like cleanPrompt
 * but keeps line breaks (at most one blank line in a row) and `**`.
 */
export function cleanText(raw: string): string {
  let text = wellFormed(raw).replace(/\r\n?/g, '\n');
  text = stripMentions(text);
  text = text
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return escapeMarkdown(neutraliseMassMentions(text));
}

/** Text for inline code: no backticks can close it early, single line. */
export function inlineCode(raw: string, max = 200): string {
  const text = truncate(neutraliseMassMentions(wellFormed(raw).replace(/`/g, 'ˋ').replace(/\s+/g, ' ').trim()), max - 2);
  return text ? `\`${text}\`` : '`?`';
}

let segmenter: Intl.Segmenter | null | undefined;
function getSegmenter(): Intl.Segmenter | null {
  if (segmenter === undefined) {
    try {
      segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    } catch {
      segmenter = null;
    }
  }
  return segmenter;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/**
 * The largest index ≤ `at` where `text` may be cut: a grapheme boundary, or, inside a
 * pathological giant grapheme (zalgo text), a code-point boundary.
 */
function cutPoint(text: string, at: number): number {
  if (at >= text.length) return text.length;
  if (at <= 0) return 0;
  const seg = getSegmenter()?.segment(text).containing(at);
  if (seg && seg.index < at && seg.segment.length <= 32) return seg.index;
  return isHigh(text.charCodeAt(at - 1)) ? at - 1 : at;
}

/**
 * Shorten `text` to at most `max` UTF-16 code units, ending with '…' when cut. Cuts between
 * grapheme clusters where it can (an emoji ZWJ sequence or a letter with its combining marks stays
 * whole), and always between code points, so a surrogate pair is never split. A cut that would
 * leave a dangling markdown escape backslash drops it.
 */
export function truncate(text: string, max: number): string {
  const limit = Math.floor(max);
  if (!(limit > 0)) return '';
  if (text.length <= limit) return text;
  if (limit === 1) return ELLIPSIS;
  let out = text.slice(0, cutPoint(text, limit - ELLIPSIS.length));
  out = out.replace(/\s+$/u, '');
  const backslashes = /\\+$/.exec(out)?.[0].length ?? 0;
  if (backslashes % 2 === 1) out = out.slice(0, -1);
  return out + ELLIPSIS;
}

/** `▰▰▰▰▱▱▱ 45%`. Out-of-range or non-numeric input is clamped to 0–100. */
export function progressBar(percent: number, width = 20): string {
  const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, Math.round(percent))) : 0;
  const w = Number.isFinite(width) ? Math.min(100, Math.max(1, Math.floor(width))) : 20;
  const filled = Math.round((p / 100) * w);
  return `${'▰'.repeat(filled)}${'▱'.repeat(w - filled)} ${p}%`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `45s`, `1m 05s`, `2h 03m`, `3d 04h`. Negative or non-finite input shows as `0s`. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${pad2(h)}h`;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(s)}s`;
  return `${s}s`;
}

/**
 * A link safe to put in a button or masked link: https only, no credentials, no whitespace or
 * control characters, ≤ `max` characters (512, the link-button limit). Parentheses are
 * percent-encoded so the URL cannot end a markdown link early. Returns null when unsafe.
 */
export function safeLink(raw: unknown, max = 512): string | null {
  if (typeof raw !== 'string') return null;
  if (raw.length === 0 || raw.length > max) return null;
  if (/[\s\u0000-\u001F\u007F-\u009F<>"`\\]/.test(raw)) return null;
  if (wellFormed(raw) !== raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password) return null;
  if (!/^https:\/\//i.test(raw)) return null; // e.g. "https:evil.com" parses but is not what it looks like
  const out = raw.replace(/\(/g, '%28').replace(/\)/g, '%29');
  return out.length <= max ? out : null;
}

/**
 * As many of `items` as fit in `budget` characters joined by `separator`, and `more(n)` in place
 * of the n left out. `keep: 'last'` keeps the last items (the newest of a history) and puts the
 * note first.
 */
export function fitItems(
  items: readonly string[],
  separator: string,
  budget: number,
  more: (hidden: number) => string,
  keep: 'first' | 'last' = 'first',
): string {
  const ordered = keep === 'first' ? items : [...items].reverse();
  const shown: string[] = [];
  let used = 0;
  for (const [i, item] of ordered.entries()) {
    const left = ordered.length - i - 1;
    const reserve = left > 0 ? separator.length + more(left).length : 0;
    const sep = shown.length ? separator.length : 0;
    if (used + sep + item.length + reserve > budget) break;
    shown.push(item);
    used += sep + item.length;
  }
  const hidden = items.length - shown.length;
  if (hidden > 0) shown.push(more(hidden));
  if (keep === 'last') shown.reverse();
  return shown.join(separator);
}

/** As many of `items` as fit in `budget`, in order, and "…and N more" for the rest. */
export function joinWithinBudget(items: readonly string[], separator: string, budget: number): string {
  return fitItems(items, separator, budget, (hidden) => `…and ${hidden} more`);
}
