import type { VideoJob } from '../api/types.js';
import { formatElapsed, formatEta } from '../logic/format.js';
import { jobFraction, jobStateText } from '../logic/video-job.js';
import type { JobFeed } from './video-hooks.js';

interface VideoJobProgressProps {
  job: VideoJob;
  feed: JobFeed;
  cancelling: boolean;
  onCancel: () => void;
}

/** A running video job: frames detected of the expected total, a progress bar, the time left, and Cancel. */
export function VideoJobProgress({ job, feed, cancelling, onCancel }: VideoJobProgressProps) {
  const fraction = jobFraction(job);
  const percent = Math.round(fraction * 100);
  return (
    <div class="progress video-progress" data-testid="video-job-progress" data-state={job.state}>
      <span class="spinner" aria-hidden="true" />
      <div class="progress-text">
        <p class="progress-title">
          {job.state === 'queued' ? 'Queued: waiting for a worker…' : `Detecting objects: ${percent} %`}
        </p>
        <progress
          max={1}
          value={fraction}
          aria-label={`Video detection: ${jobStateText(job.state)}, ${percent} %`}
          data-testid="video-job-bar"
        />
        <p class="progress-detail" role="status" data-testid="video-job-status">
          {job.frames_total > 0
            ? `${job.frames_done} of ${job.frames_total} sampled frames`
            : 'Counting frames'}
          {job.state === 'running' ? ` · ${formatEta(job.eta_s)}` : ''}
          {job.attempts > 1 ? ` · resumed (attempt ${job.attempts})` : ''}
          {feed === 'polling' ? ' · checking every second' : ''}
        </p>
      </div>
      {job.elapsed_s !== null && (
        <span class="elapsed" role="timer" aria-label="Elapsed time">
          {formatElapsed(job.elapsed_s * 1000)}
        </span>
      )}
      <button type="button" class="button button-quiet" disabled={cancelling} onClick={onCancel}>
        {cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
    </div>
  );
}
