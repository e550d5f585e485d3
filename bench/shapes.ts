/**
 * The workload shapes every seed runs (issue 12): the bench is not one workload it could be tuned
 * on. Each shape is a set of options of the one generator in workload.ts; all times are real ms.
 */
import type { WorkloadOptions } from './workload';

export type ShapeName = 'burst' | 'steady' | 'long' | 'followers';
export const SHAPES: readonly ShapeName[] = ['burst', 'steady', 'long', 'followers'];

export interface Shape {
  name: ShapeName;
  /** One line for the report. */
  describe: string;
  workload: Omit<WorkloadOptions, 'seed'>;
}

/**
 * `quick` keeps each shape's nature (the burst stays 50 jobs in one channel: that is what it tests)
 * and shrinks the others so a smoke run takes minutes.
 */
export function shape(name: ShapeName, quick = false): Shape {
  switch (name) {
    case 'burst':
      // 50 jobs tracked within ~10 s in one channel (created over 7 s, /track 0.5–3 s later), lives of 20–90 s.
      return {
        name,
        describe: '50 jobs tracked within ~10 s in one channel, lives of 20–90 s',
        workload: { jobs: 50, channels: 1, users: 20, spreadMs: 7_000, queueMs: [0, 10_000], runMs: [20_000, 80_000] },
      };
    case 'steady': {
      const jobs = quick ? 40 : 120;
      const spreadMs = quick ? 60_000 : 150_000;
      return {
        name,
        describe: `${jobs} jobs arriving over ${spreadMs / 1000} s across 10 channels, queued 0–30 s, running 30–90 s`,
        workload: { jobs, channels: 10, users: 20, spreadMs, queueMs: [0, 30_000], runMs: [30_000, 90_000] },
      };
    }
    case 'long': {
      const jobs = quick ? 40 : 95;
      const longCount = quick ? 3 : 5;
      const longRun: [number, number] = quick ? [120_000, 180_000] : [150_000, 300_000];
      return {
        name,
        describe: `${longCount} jobs running ${longRun[0] / 1000}–${longRun[1] / 1000} s among ${jobs - longCount} of 20–60 s, over 10 channels`,
        workload: {
          jobs,
          channels: 10,
          users: 20,
          spreadMs: quick ? 90_000 : 120_000,
          queueMs: [0, 20_000],
          runMs: [20_000, 60_000],
          long: { count: longCount, runMs: longRun },
        },
      };
    }
    case 'followers': {
      const jobs = quick ? 20 : 40;
      return {
        name,
        describe: `${jobs} jobs followed by 1–4 people each (each in another channel, DM at the end), 10 channels`,
        workload: { jobs, channels: 10, users: 20, spreadMs: 20_000, followers: [1, 4] },
      };
    }
  }
}

export function parseShapes(text: string): ShapeName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!SHAPES.includes(n as ShapeName)) throw new Error(`unknown shape ${n} (known: ${SHAPES.join(', ')})`);
  return names as ShapeName[];
}
