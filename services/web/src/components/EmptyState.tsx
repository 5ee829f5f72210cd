import type { StackStatus } from '../logic/readiness.js';

/** What the result area shows before anything is opened. */
export function EmptyState({ status }: { status: StackStatus }) {
  return (
    <section class="card empty" aria-labelledby="empty-heading">
      <svg class="empty-art" viewBox="0 0 120 90" aria-hidden="true">
        <rect x="4" y="4" width="112" height="82" rx="8" class="empty-frame" />
        <path d="M12 74 42 44l18 18 14-12 34 24z" class="empty-hills" />
        <circle cx="86" cy="26" r="8" class="empty-sun" />
        <rect x="30" y="30" width="40" height="40" rx="2" class="empty-box-a" />
        <rect x="70" y="14" width="26" height="26" rx="2" class="empty-box-b" />
      </svg>
      <h2 id="empty-heading">Drop an image to see what the model finds</h2>
      <p>
        Drag a photo anywhere on this page, paste one, choose a file, or give a URL. Boxes appear over the
        image and every object is listed below it; past uploads are in the history.
      </p>
      {status.modelServer === 'cold' && (
        <p class="hint">
          The model server is currently scaled to zero; the first detection starts it and takes a little
          longer.
        </p>
      )}
      {status.backend === 'unreachable' && <p class="hint hint-warn">{status.summary}</p>}
    </section>
  );
}
