/**
 * Which of a job's result media become files, under which names, and how what could not be
 * re-hosted is put to a person. Pure.
 */
import type { MediaKind, ResultMedia } from '../../domain/job';

/** Discord takes at most 10 attachments in a message (and a media gallery shows at most 10 items). */
export const MAX_FILES_PER_MESSAGE = 10;

export interface PlannedFile {
  /** The name without its extension: `image-1`, `video-1`, `still-1` (that video's still), `audio-1`, `grid`. */
  stem: string;
  kind: MediaKind;
  url: string;
  /** Which of the reading's `media` it comes from. */
  sourceIndex: number;
  /** The media entry, to ask its upstream for a fresh link; null for a still (its link cannot be refreshed). */
  refreshable: ResultMedia | null;
}

/**
 * In the order they are shown and kept when room runs out: the results themselves (a video followed
 * by its still), then the grid, which only adds something when it is not one of the images.
 */
export function planFiles(media: readonly ResultMedia[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  const seen = new Set<string>();
  const counts: Record<MediaKind, number> = { image: 0, video: 0, audio: 0 };
  media.forEach((m, sourceIndex) => {
    if (m.role === 'grid' || seen.has(m.url)) return;
    seen.add(m.url);
    const n = ++counts[m.kind];
    files.push({ stem: `${m.kind}-${n}`, kind: m.kind, url: m.url, sourceIndex, refreshable: m });
    if (m.kind === 'video' && m.preview && !seen.has(m.preview)) {
      seen.add(m.preview);
      files.push({ stem: `still-${n}`, kind: 'image', url: m.preview, sourceIndex, refreshable: null });
    }
  });
  media.forEach((m, sourceIndex) => {
    if (m.role !== 'grid' || seen.has(m.url)) return;
    seen.add(m.url);
    files.push({ stem: 'grid', kind: 'image', url: m.url, sourceIndex, refreshable: m });
  });
  return files;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
};
const TYPES = Object.fromEntries(Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type]));

/** The file's extension and type: from what the server said, else from the link's own extension. */
export function fileType(contentType: string, url: URL, kind: MediaKind): { extension: string; contentType: string } {
  const fromServer = EXTENSIONS[contentType];
  if (fromServer) return { extension: fromServer, contentType };
  const fromLink = /\.([a-z0-9]{2,4})$/i.exec(url.pathname)?.[1]?.toLowerCase();
  const linked = fromLink === 'jpeg' ? 'jpg' : fromLink;
  if (linked && TYPES[linked]?.startsWith(`${kind}/`)) return { extension: linked, contentType: TYPES[linked] };
  return { extension: 'bin', contentType: 'application/octet-stream' };
}

/** Why one planned file is not among the uploads. */
export type Left =
  | { why: 'too_big'; size: number | null; limit: number }
  | { why: 'no_room' }
  | { why: 'failed'; detail: string }
  | { why: 'refused' };

/**
 * Plain sentences on what is linked instead of uploaded, e.g. "The video was larger than Discord
 * allows (34 MB), so it is linked instead."; null when nothing was left out.
 */
export function noteFor(planned: readonly PlannedFile[], left: ReadonlyMap<PlannedFile, Left>): string | null {
  // One sentence per reason and kind of file ("The video was larger…", "Image 3 did not fit…"), or
  // one for everything when all of it went the same way ("The images could not be downloaded…").
  const groups = new Map<string, PlannedFile[]>();
  const whole = new Set([...left.values()].map((r) => r.why)).size === 1 && left.size === planned.length;
  for (const [file, reason] of left) {
    const key = whole ? 'all' : `${reason.why}:${labelOf(file)}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  const sentences: string[] = [];
  for (const files of groups.values()) {
    const why = left.get(files[0]!)!.why;
    const subject = whole ? everythingOf(planned) : subjectOf(files, planned);
    const one = files.length === 1;
    const [was, it] = one ? ['was', 'it is'] : ['were', 'they are'];
    const first = left.get(files[0]!)!;
    if (why === 'too_big' && first.why === 'too_big') {
      const size = one && first.size !== null ? megabytes(first.size) : `over ${megabytes(first.limit)}`;
      sentences.push(`${subject} ${was} larger than Discord allows (${size}), so ${it} linked instead.`);
    } else if (why === 'no_room') {
      sentences.push(`${subject} did not fit in one Discord message, so ${it} linked instead.`);
    } else if (why === 'refused') {
      sentences.push(`${subject} ${one ? 'is' : 'are'} on a host the bot does not download from, so ${it} linked.`);
    } else if (first.why === 'failed') {
      sentences.push(`${subject} could not be downloaded (${first.detail}), so ${it} linked.`);
    }
  }
  return sentences.length > 0 ? sentences.join(' ') : null;
}

/** All of a job's files, named by its results: the grid and the stills go without saying. */
function everythingOf(planned: readonly PlannedFile[]): string {
  const results = planned.filter((f) => f.stem !== 'grid' && !f.stem.startsWith('still-'));
  const kinds = new Set(results.map((f) => f.kind));
  if (kinds.size !== 1) return 'The files';
  const kind = [...kinds][0]!;
  return results.length === 1 && planned.length === 1 ? `The ${kind}` : results.length === 1 && kind === 'video' ? 'The video and its still' : `The ${PLURAL[kind]}`;
}

function labelOf(file: PlannedFile): string {
  if (file.stem === 'grid') return 'grid';
  if (file.stem.startsWith('still-')) return 'still';
  return file.kind;
}

const PLURAL: Record<string, string> = { image: 'images', video: 'videos', audio: 'audio files', grid: 'grids', still: 'stills' };

function subjectOf(files: readonly PlannedFile[], planned: readonly PlannedFile[]): string {
  const labels = new Set(files.map(labelOf));
  if (labels.size === 1) {
    const label = [...labels][0]!;
    const ofLabel = planned.filter((f) => labelOf(f) === label).length;
    if (files.length === ofLabel) {
      if (label === 'still') return ofLabel === 1 ? "The video's still" : 'The stills of the videos';
      return ofLabel === 1 ? `The ${label === 'audio' ? 'audio' : label}` : `The ${PLURAL[label]}`;
    }
    return files.length === 1 ? `${capitalise(label === 'still' ? 'still' : label)} ${files[0]!.stem.split('-')[1]}` : `${files.length} ${PLURAL[label]}`;
  }
  return files.length === planned.length ? 'The files' : `${files.length} files`;
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** 34 MB, 8.4 MB, 950 kB: decimal units, as Discord writes its limits. */
export function megabytes(bytes: number): string {
  if (bytes < 1_000_000) return `${Math.max(1, Math.round(bytes / 1000))} kB`;
  const mb = bytes / 1_000_000;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}
