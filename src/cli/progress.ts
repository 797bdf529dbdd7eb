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

/** Seconds as `45s`, `2m05s`, `3h20m`; rounded before it is split, so never `2m60s`. */
export function etaText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function cliProgress(label: string, stream: NodeJS.WriteStream = process.stderr): CliProgress {
  const bar = new SingleBar({
    stream,
    format: `deadscope ${label} |{bar}| {percentage}% · {stage} · ETA {eta_formatted}`,
    barsize: 24,
    // no hidden cursor and no graceful exit: cli-progress's gracefulExit listens for SIGINT/SIGTERM
    // only to stop the bar, which replaces Node's default action, so Ctrl-C and `kill` left the read
    // running to its end; without a listener the default action ends the process at once, also
    // while a detector holds the event loop
    hideCursor: false,
    gracefulExit: false,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    // the rate over the last 200 updates (each a batch of queries): smooth, yet it follows a change of pace
    etaBuffer: 200,
    etaAsynchronousUpdate: true,
    formatTime: etaText,
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
