/**
 * A server may keep prompts out of its public tracking messages: the view without the prompt, nor
 * anything that repeats it. Pure. The person still sees it in their DM and in /jobs.
 */
import type { JobView } from './jobView';

export const PROMPT_HIDDEN = "*Prompt hidden by this server's settings.*";

/** Lower-case words of letters and digits: how the prompt reads inside error texts and file names. */
const words = (text: string): string[] => text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * Whether `text` repeats the prompt: its first words in a row, as an error quotes them or as
 * Midjourney names its files (`user_a_cat_in_space_<uuid>.png`): its first four words, or the whole
 * prompt when shorter, but not one short word alone ("image" in an error does not quote the prompt "image").
 */
export function repeatsPrompt(text: string, prompt: string): boolean {
  const said = words(prompt);
  const head = said.slice(0, 4);
  if (head.length < 2 && (head[0]?.length ?? 0) < 8) return false;
  const haystack = ` ${words(safeDecode(text)).join(' ')} `;
  return haystack.includes(` ${head.join(' ')} `);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The view as a public message of a server that hides prompts: no prompt, and no detail, note or link that repeats it. */
export function withoutPrompt(view: JobView, rawPrompt: string | null): JobView {
  const leaks = (text: string | null): boolean => text !== null && rawPrompt !== null && repeatsPrompt(text, rawPrompt);
  const images = view.images.filter((l) => !leaks(l.url));
  const videos = view.videos.filter((l) => !leaks(l.url));
  return {
    ...view,
    prompt: null,
    note: leaks(view.note) ? null : view.note,
    details: view.details.map((d) => (leaks(d.value) ? { ...d, value: '*Not shown: it quotes the prompt.*' } : d)),
    images,
    videos,
    audio: view.audio.filter((l) => !leaks(l.url)),
    gridUrl: leaks(view.gridUrl) ? (images[0]?.url ?? null) : view.gridUrl,
  };
}
