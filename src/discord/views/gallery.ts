/**
 * A completed job whose results were re-hosted: a Components V2 message (a container in the status
 * colour with the headline, the prompt, a media gallery of the uploaded files and a status line),
 * which refers to the files only as `attachment://name`, so no upstream or signed URL is in it.
 */
import {
  ComponentType,
  MessageFlags,
  SeparatorSpacingSize,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInContainer,
  type APIContainerComponent,
  type APIMediaGalleryItem,
  type APIMessageTopLevelComponent,
} from 'discord.js';
import type { ResultFile, ResultFiles } from '../../db/media';
import type { JobSnapshot } from '../../domain/job';
import { deriveJobView } from './jobView';
import type { ResultLink } from './jobView';
import { DISCORD_LIMITS } from './limits';
import { PROMPT_HIDDEN, withoutPrompt } from './promptPrivacy';
import { linkButton, PROMPT_SHOWN_MAX, type MessageBody } from './render';
import { formatDuration, truncate } from './text';

/** Discord's limits of a Components V2 message. */
export const V2_LIMITS = {
  /** Components in all, nested ones included. */
  components: 40,
  galleryItems: 10,
  /** Characters across all text displays. */
  text: 4000,
  /** A media gallery item's description (alt text). */
  description: 1024,
} as const;

/** A file to upload with the message, as discord.js' REST takes it. */
export interface Upload {
  name: string;
  data: Buffer;
  contentType: string;
}

export interface GalleryMessage {
  body: {
    flags: number;
    /** Cleared: an edit that turns IS_COMPONENTS_V2 on must not leave the embed's text behind. */
    content: '';
    embeds: [];
    components: APIMessageTopLevelComponent[];
    attachments: Array<{ id: string; filename: string; description: string }>;
  };
  uploads: Upload[];
}

/** A message body and the files to upload with it (none for an embed). */
export type Rendered = GalleryMessage | { body: MessageBody; uploads: [] };

/** The files a completed job's message shows, or null when it shows links (re-hosting off, not ready, or given up). */
export function readyFiles(job: JobSnapshot, media: ResultFiles | null): ResultFiles | null {
  return job.status === 'completed' && media?.state === 'ready' && galleryFiles(job, media.files).length > 0 ? media : null;
}

export interface GalleryOptions {
  now: number;
  /** Replaces the view's headline (the DM's "Your … job is done"). */
  title?: string;
  /** Lines after the prompt (the DM's link to the tracking message). */
  lead?: string[];
  /** What could not be re-hosted, in plain words (from the media store). */
  note?: string | null;
  /** Link buttons under the container (never an upstream's media URL). */
  buttons?: ResultLink[];
  /** A public message of a server that hides prompts. */
  hidePrompt?: boolean;
}

const LABEL = { image: 'Image', video: 'Video', audio: 'Audio' } as const;

/**
 * What the gallery shows of the stored files: the images and videos in order, except the grid when
 * there are separate images (it shows the same four pictures again), and a video's still only when
 * the video itself could not be uploaded. At most 10 items.
 */
export function galleryFiles(job: JobSnapshot, files: readonly ResultFile[]): ResultFile[] {
  const media = job.reading?.media ?? [];
  const isGrid = (f: ResultFile) => media[f.sourceIndex]?.role === 'grid';
  const isStill = (f: ResultFile) => f.kind === 'image' && media[f.sourceIndex]?.kind === 'video';
  const shown = files.filter((f) => f.kind === 'image' || f.kind === 'video');
  const hasSeparateImages = shown.some((f) => f.kind === 'image' && !isGrid(f) && !isStill(f));
  const videoUploaded = new Set(shown.filter((f) => f.kind === 'video').map((f) => f.sourceIndex));
  return shown
    .filter((f) => !(isGrid(f) && hasSeparateImages))
    .filter((f) => !(isStill(f) && videoUploaded.has(f.sourceIndex)))
    .slice(0, V2_LIMITS.galleryItems);
}

export function galleryMessage(job: JobSnapshot, files: readonly ResultFile[], opts: GalleryOptions): GalleryMessage {
  const derived = deriveJobView(job, opts.now);
  const view = opts.hidePrompt ? withoutPrompt(derived, job.reading?.prompt ?? null) : derived;
  const shown = galleryFiles(job, files);
  const counters = { image: 0, video: 0, audio: 0 };
  const items: APIMediaGalleryItem[] = shown.map((f) => {
    const still = f.kind === 'image' && job.reading?.media[f.sourceIndex]?.kind === 'video';
    const label = still ? 'Video still' : `${LABEL[f.kind]} ${++counters[f.kind]}`;
    return { media: { url: `attachment://${f.name}` }, description: label };
  });

  const heading = `## ${truncate(opts.title ?? view.headline, DISCORD_LIMITS.title)}`;
  const status = `-# ${[view.statusLabel, formatDuration(view.elapsedMs), view.footer].filter(Boolean).join(' · ')}\n-# Job ${view.jobIdCode}`;
  const lead = [...(opts.hidePrompt ? [PROMPT_HIDDEN] : []), ...(opts.lead ?? [])].filter(Boolean).join('\n');
  const note = opts.note ? truncate(opts.note, 500) : '';
  const fixed = heading.length + status.length + lead.length + note.length;
  const promptRoom = Math.min(PROMPT_SHOWN_MAX, V2_LIMITS.text - fixed - 8);
  const prompt = view.prompt ? truncate(view.prompt, promptRoom) : '';

  const inside: APIComponentInContainer[] = [text(heading)];
  if (prompt) inside.push(text(quote(prompt)));
  if (lead) inside.push(text(lead));
  if (items.length > 0) inside.push({ type: ComponentType.MediaGallery, items });
  if (note) inside.push(text(note));
  inside.push({ type: ComponentType.Separator, divider: true, spacing: SeparatorSpacingSize.Small }, text(status));

  const container: APIContainerComponent = { type: ComponentType.Container, accent_color: view.color, components: inside };
  const components: APIMessageTopLevelComponent[] = [container];
  const buttons = (opts.buttons ?? []).slice(0, DISCORD_LIMITS.buttonsPerRow);
  if (buttons.length > 0) {
    const row: APIActionRowComponent<APIButtonComponent> = { type: ComponentType.ActionRow, components: buttons.map((b) => linkButton(b.label, b.url)) };
    components.push(row);
  }
  return {
    body: {
      flags: MessageFlags.IsComponentsV2,
      content: '',
      embeds: [],
      components,
      attachments: shown.map((f, i) => ({ id: String(i), filename: f.name, description: items[i]!.description! })),
    },
    uploads: shown.map((f) => ({ name: f.name, data: f.bytes, contentType: f.contentType })),
  };
}

function text(content: string) {
  return { type: ComponentType.TextDisplay as const, content };
}

/** Every line quoted, so a prompt with line breaks stays one block. */
function quote(s: string): string {
  return s
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
