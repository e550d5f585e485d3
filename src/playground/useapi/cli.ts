/**
 * Runs the useapi.net emulator by hand, with a few demo jobs on the real clock.
 *
 *   npx tsx src/playground/useapi/cli.ts [--port 8787] [--token user:12345-emulatortoken]
 */
import { parseArgs } from 'node:util';
import { makeJobId, startUseapiEmulator, timeline, type JobScript } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('Usage: npx tsx src/playground/useapi/cli.ts [--port 8787] [--token user:12345-emulatortoken]');
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port: ${values.port}`);
  process.exit(2);
}

const emulator = await startUseapiEmulator({ port, ...(values.token !== undefined && { token: values.token }) });
const startAt = Date.now();
const at = new Date(startAt);

const demos: Array<{ label: string; script: JobScript }> = [
  {
    label: 'completes after ~45 s',
    script: {
      jobid: makeJobId({ at }),
      prompt: 'a lighthouse on a cliff at dusk --ar 16:9',
      startAt,
      steps: timeline({ queueMs: 5_000, runMs: 40_000, stepMs: 5_000, outcome: 'completed' }),
    },
  },
  {
    label: 'fails after ~25 s',
    script: {
      jobid: makeJobId({ at }),
      prompt: 'a clockwork owl, intricate brass --v 7',
      startAt,
      steps: timeline({ queueMs: 3_000, runMs: 20_000, stepMs: 4_000, outcome: 'failed', error: 'Failed to process your command :c' }),
    },
  },
  {
    label: 'is moderated after ~5 s',
    script: {
      jobid: makeJobId({ at }),
      prompt: 'a prompt the moderators dislike',
      startAt,
      steps: timeline({ queueMs: 2_000, runMs: 3_000, stepMs: 5_000, outcome: 'moderated' }),
    },
  },
  {
    label: 'video, completes after ~60 s',
    script: {
      jobid: makeJobId({ at, type: 'v', channel: '9876543210987654321' }),
      prompt: 'waves rolling onto a beach --video',
      startAt,
      steps: timeline({ queueMs: 10_000, runMs: 50_000, stepMs: 10_000, outcome: 'completed' }),
    },
  },
];
for (const demo of demos) emulator.addJob(demo.script);

const first = demos[0]!.script.jobid;
console.log(`useapi.net Midjourney v3 emulator listening on ${emulator.url}`);
console.log(`Token: ${emulator.token}\n`);
for (const demo of demos) console.log(`  ${demo.script.jobid}  ${demo.label}`);
console.log(`\nTry:\n  curl -H 'Authorization: Bearer ${emulator.token}' '${emulator.url}/v3/midjourney/jobs/${first}'`);
console.log(`  curl -H 'Authorization: Bearer ${emulator.token}' '${emulator.url}/v3/midjourney/jobs'`);
console.log('\nCtrl+C to stop.');

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
