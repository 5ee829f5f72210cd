import type { Job } from '../logic/app-state.js';
import { formatElapsed } from '../logic/format.js';
import type { ModelServerState } from '../logic/readiness.js';
import { useElapsed } from './hooks.js';

interface JobProgressProps {
  job: Job;
  modelServer: ModelServerState;
  onCancel: () => void;
}

/**
 * A spinner with elapsed time while a request runs. When the model server is scaled to zero the backend
 * holds the request while the predictor starts, which takes seconds: say so instead of looking frozen.
 */
export function JobProgress({ job, modelServer, onCancel }: JobProgressProps) {
  const elapsed = useElapsed(job.startedAt);
  const detecting = job.kind !== 'open';
  const cold = detecting && modelServer === 'cold';
  const unreachable = detecting && modelServer === 'unavailable';
  const slow = detecting && !cold && !unreachable && elapsed > 5000;
  return (
    <div class={`progress ${cold || unreachable ? 'progress-cold' : ''}`} data-testid="job-progress">
      <span class="spinner" aria-hidden="true" />
      <div class="progress-text">
        <p class="progress-title">{job.description}…</p>
        {cold && (
          <p class="progress-detail" role="status">
            The model server is scaled to zero and is starting up. The first detection after an idle period
            takes longer; later ones are fast.
          </p>
        )}
        {unreachable && (
          <p class="progress-detail" role="status">
            The model server is not answering yet; the backend keeps retrying while it starts (a predictor
            scaled to zero can take a while). You can keep using the page or cancel.
          </p>
        )}
        {slow && (
          <p class="progress-detail">Still working — the model server may be busy or loading the model.</p>
        )}
      </div>
      <span class="elapsed" role="timer" aria-label="Elapsed time" data-testid="job-elapsed">
        {formatElapsed(elapsed)}
      </span>
      <button type="button" class="button button-quiet" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
