/**
 * What Discord checks once it knows the message a body lands on: files uploaded with a body
 * (`files[n]` ↔ `attachments[].id`), `attachment://` references, and the IS_COMPONENTS_V2 flag rules
 * (it can be set on an edit, never removed, and a V2 message carries no content or embeds).
 */
import { MessageFlag, type UploadedFile } from './messages';
import { formatProblem, toDiscordErrors, type Path, type Problem } from './problems';
import { apiError, ErrorCode, ReplyError } from './reply';
import type { SnowflakeGenerator } from './snowflake';
import { isObject, type ApiMessage, type FakeDiscordCounters, type JsonObject } from './types';

/** Discord's upload limit for a bot's message without server boosts (all files of one request together). */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

/** The attachments a body leaves on the message: kept ones (edit) plus the new uploads it names. */
export interface AttachmentPlan {
  /** Ids of existing attachments to keep; null when the body does not say (an edit then keeps all). */
  keep: Set<string> | null;
  /** Uploads in order, each with the filename and description the body gives it. */
  uploads: Array<{ file: UploadedFile; filename: string; description?: string }>;
  problems: Problem[];
}

/**
 * Pairs `attachments[]` with `files[n]`: an entry whose id is the n of an uploaded `files[n]` names
 * that upload; on an edit, any other id must be one of the message's attachments (kept).
 */
export function planAttachments(body: JsonObject, files: UploadedFile[], existing: readonly JsonObject[]): AttachmentPlan {
  const problems: Problem[] = [];
  const byIndex = new Map<string, UploadedFile>();
  for (const file of files) {
    const n = /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? /^file(\d*)$/.exec(file.field)?.[1];
    byIndex.set(n === undefined || n === '' ? String(byIndex.size) : String(Number(n)), file);
  }
  const existingIds = new Set(existing.map((a) => String(a.id)));
  const named = new Map<UploadedFile, { filename?: string; description?: string }>();
  let keep: Set<string> | null = null;
  if (Array.isArray(body.attachments)) {
    keep = new Set();
    body.attachments.forEach((entry, i) => {
      if (!isObject(entry)) return;
      const id = String(entry.id);
      const upload = byIndex.get(id);
      const extra = {
        ...(typeof entry.filename === 'string' ? { filename: entry.filename } : {}),
        ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
      };
      if (upload) named.set(upload, extra);
      else if (existingIds.has(id)) keep!.add(id);
      else problems.push({ path: ['attachments', i, 'id'], code: 'ATTACHMENT_NOT_FOUND', message: `Attachment ${id} is neither an uploaded files[${id}] nor an attachment of this message.` });
    });
  }
  const uploads = files.map((file) => {
    const extra = named.get(file) ?? {};
    return { file, filename: extra.filename ?? file.name, ...(extra.description ? { description: extra.description } : {}) };
  });
  return { keep, uploads, problems };
}

/** Every `attachment://name` a message's components refer to (V2 media, thumbnails and files). */
function attachmentRefs(message: { components: unknown }): Array<{ path: Path; name: string }> {
  const refs: Array<{ path: Path; name: string }> = [];
  const visit = (value: unknown, path: Path) => {
    if (typeof value === 'string') {
      const name = /^attachment:\/\/(.+)$/.exec(value)?.[1];
      if (name !== undefined) refs.push({ path, name });
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  visit(message.components, ['components']);
  return refs;
}

/**
 * Problems of the message as an edit or create leaves it: `before` is its flags before the edit
 * (null for a create). Discord answers these with 50035.
 */
export function checkResultingMessage(after: ApiMessage, beforeFlags: number | null): Problem[] {
  const problems: Problem[] = [];
  const v2 = (after.flags & MessageFlag.IsComponentsV2) !== 0;
  if (beforeFlags !== null && (beforeFlags & MessageFlag.IsComponentsV2) !== 0 && !v2) {
    problems.push({ path: ['flags'], code: 'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG', message: 'The IS_COMPONENTS_V2 flag cannot be removed from a message.' });
  }
  if (v2) {
    if (after.content !== '') problems.push({ path: ['content'], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: "The message keeps its 'content', which cannot be used with MessageFlags.IS_COMPONENTS_V2: clear it." });
    if (after.embeds.length > 0) problems.push({ path: ['embeds'], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: "The message keeps its 'embeds', which cannot be used with MessageFlags.IS_COMPONENTS_V2: clear them." });
  } else {
    after.components.forEach((c, i) => {
      if (isObject(c) && c.type !== 1) {
        problems.push({ path: ['components', i, 'type'], code: 'COMPONENT_TYPE_REQUIRES_COMPONENTS_V2', message: `Component type ${String(c.type)} needs MessageFlags.IS_COMPONENTS_V2.` });
      }
    });
  }
  const names = new Set(after.attachments.map((a) => String(a.filename)));
  for (const ref of attachmentRefs(after)) {
    if (!names.has(ref.name)) {
      problems.push({ path: ref.path, code: 'UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND', message: `attachment://${ref.name} names no attachment of this message.` });
    }
  }
  return problems;
}

/** Uploaded files: the attachment objects a message gets, and the bytes its URLs serve. */
export class AttachmentStore {
  private readonly files = new Map<string, { channelId: string; data: Buffer; contentType: string }>();

  constructor(
    private readonly ids: SnowflakeGenerator,
    private readonly baseUrl: () => string,
  ) {}

  /** Attachment objects for the plan's uploads, whose bytes their URLs serve from now on. */
  attach(channelId: string, plan: AttachmentPlan): JsonObject[] {
    return plan.uploads.map(({ file, filename, description }) => {
      const id = this.ids.next();
      this.files.set(id, { channelId, data: file.data, contentType: file.contentType });
      const url = `${this.baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
      return { id, filename, ...(description ? { description } : {}), size: file.size, url, proxy_url: url, content_type: file.contentType };
    });
  }

  /** An uploaded file as the fake serves it from its attachment URL; undefined when there is none. */
  file(channelId: string, attachmentId: string): { data: Buffer; contentType: string } | undefined {
    const file = this.files.get(attachmentId);
    return file?.channelId === channelId ? file : undefined;
  }
}

/** A body Discord refuses once it sees the message it lands on: 400 50035, recorded as a violation. */
export function refuseProblems(counters: FakeDiscordCounters, problems: Problem[]): void {
  if (problems.length === 0) return;
  counters.invalidBodies++;
  throw new ReplyError(apiError(400, ErrorCode.InvalidFormBody, { errors: toDiscordErrors(problems) }), `invalid body\n  ${problems.map(formatProblem).join('\n  ')}`);
}
