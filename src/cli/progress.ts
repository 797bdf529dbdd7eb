/**
 * The CLI's progress on stderr: a cli-progress bar whose ETA comes from the measured rate of
 * Fisher queries (the read's progress is queries done / queries planned). On a terminal it redraws
 * in place; in a log (no TTY) it writes a line when the read starts, every few seconds, and at the end.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { ReadProgress } from '../read/pipeline.ts';

const STEPS = 1000;

export interface CliProgress {
  update(p: ReadProgress): void;
  stop(): void;
}

export function cliProgress(label: string, stream: NodeJS.WriteStream = process.stderr): CliProgress {
  const bar = new SingleBar({
    stream,
    format: `deadscope ${label} |{bar}| {percentage}% · {stage} · ETA {eta_formatted}`,
    barsize: 24,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    // the rate over the last 200 updates (each a batch of queries): smooth, yet it follows a change of pace
    etaBuffer: 200,
    etaAsynchronousUpdate: true,
    gracefulExit: true,
  }, Presets.shades_classic);
  // started on the first progress event, which comes once the file and settings are checked:
  // a bad input stays a single line on stderr
  let state: 'idle' | 'running' | 'stopped' = 'idle';
  return {
    update: (p) => {
      const value = Math.round(Math.min(1, Math.max(0, p.fraction)) * STEPS);
      if (state === 'idle') { bar.start(STEPS, value, { stage: p.stage }); state = 'running'; }
      else if (state === 'running') bar.update(value, { stage: p.stage });
    },
    stop: () => {
      if (state === 'running') bar.stop();
      state = 'stopped';
    },
  };
}
