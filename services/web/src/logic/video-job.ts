import type { JobState, VideoJob } from '../api/types.js';

/** A job in one of these states will not change any more (the events stream ends). */
export function jobFinished(state: JobState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/** Share of the sampled frames detected, 0..1 (0 while the total is not known yet). */
export function jobFraction(job: Pick<VideoJob, 'frames_done' | 'frames_total' | 'state'>): number {
  if (job.state === 'completed') return 1;
  if (job.frames_total <= 0) return 0;
  return Math.min(1, Math.max(0, job.frames_done / job.frames_total));
}

/** The job's state in words, for the progress line and the history. */
export function jobStateText(state: JobState): string {
  switch (state) {
    case 'queued':
      return 'waiting for a worker';
    case 'running':
      return 'detecting objects';
    case 'completed':
      return 'done';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return state;
  }
}
