/**
 * The baseline, run in a child process: what a person would write from useapi.net's docs instead of
 * installing the bot. For each job: post a message and GET /v3/midjourney/jobs/{jobid} every 5 s
 * from the start until the job ends, then one edit of that message and one DM. A non-200 answer is simply retried
 * at the next 5 s turn (the docs' loop has no backoff). discord.js' REST queues by itself on the
 * announced rate limits, as any script using it would.
 */
import { REST, Routes } from 'discord.js';
import type { Control } from './child';
import { startCostMeter } from './measure';
import type { SideResult } from './tracker';

export interface BaselineJob {
  jobid: string;
  channelId: string;
  userId: string;
  /** Epoch ms when the person starts the script for this job. */
  startWall: number;
  /** More people following the job: the same loop posts, edits and DMs for them too. */
  others?: Array<{ channelId: string; userId: string }>;
}

/** Sent with `go` once the side is ready (the start time is only known then). */
export interface BaselineGo {
  jobs: BaselineJob[];
}

export interface BaselineParams {
  discordApiUrl: string;
  discordToken: string;
  useapiUrl: string;
  useapiToken: string;
  /** The docs' 5 s, compressed. */
  intervalMs: number;
  k: number;
}

const FINAL = new Set(['completed', 'failed', 'moderated']);

export async function runBaselineSide(params: BaselineParams, ctl: Control): Promise<SideResult> {
  const meter = startCostMeter();
  const rest = new REST({ api: params.discordApiUrl, globalRequestsPerSecond: 50 * params.k, offset: 50 / params.k }).setToken(params.discordToken);
  const dmChannels = new Map<string, Promise<string>>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let stopping = false;
  let finished = 0;
  let failed = 0;

  const dmChannelOf = (userId: string) => {
    let channel = dmChannels.get(userId);
    if (!channel) {
      channel = (rest.post(Routes.userChannels(), { body: { recipient_id: userId } }) as Promise<{ id: string }>).then((c) => c.id);
      dmChannels.set(userId, channel);
    }
    return channel;
  };

  async function readStatus(jobid: string): Promise<string | null> {
    try {
      const response = await fetch(`${params.useapiUrl}/v3/midjourney/jobs/${jobid}`, {
        headers: { Authorization: `Bearer ${params.useapiToken}` },
      });
      if (response.status !== 200) {
        await response.arrayBuffer();
        return null;
      }
      const job = (await response.json()) as { status?: string };
      return job.status ?? null;
    } catch {
      return null;
    }
  }

  async function follow(job: BaselineJob): Promise<void> {
    await sleep(Math.max(0, job.startWall - Date.now()));
    const people = [{ channelId: job.channelId, userId: job.userId }, ...(job.others ?? [])];
    // The messages go out while the loop reads: a busy channel's rate limit delays them, not the reads.
    const posted = Promise.all(
      people.map(
        async (p) =>
          (await rest.post(Routes.channelMessages(p.channelId), {
            body: { content: `⏳ Following \`${job.jobid}\` …`, allowed_mentions: { parse: [] } },
          })) as { id: string },
      ),
    );
    posted.catch(() => undefined);
    let status: string | null = null;
    // Every 5 s from the start, as the docs say: a slow answer does not push the next read back.
    for (let turn = 1; !stopping; turn++) {
      status = await readStatus(job.jobid);
      if (status !== null && FINAL.has(status)) break;
      await sleep(Math.max(0, job.startWall + turn * params.intervalMs - Date.now()));
    }
    const messages = await posted;
    if (status === null || !FINAL.has(status)) return;
    const icon = status === 'completed' ? '✅' : '❌';
    for (const [i, p] of people.entries()) {
      await rest.patch(Routes.channelMessage(p.channelId, messages[i]!.id), {
        body: { content: `${icon} \`${job.jobid}\`: ${status}`, allowed_mentions: { parse: [] } },
      });
      await rest.post(Routes.channelMessages(await dmChannelOf(p.userId)), {
        body: { content: `Your Midjourney job \`${job.jobid}\` ended: ${status}` },
      });
    }
    finished++;
  }

  ctl.ready();
  const { jobs } = (await ctl.go) as BaselineGo;
  const all = Promise.all(
    jobs.map((job) =>
      follow(job).catch(() => {
        failed++;
      }),
    ),
  );
  await ctl.stopped;
  stopping = true;
  await Promise.race([all, sleep(2000)]);
  return { cost: meter.stop(), notes: [`${finished} jobs followed to the end, ${failed} scripts crashed`] };
}
