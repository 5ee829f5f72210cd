import { formatCount } from '../logic/format.js';
import type { QueueItem } from '../logic/upload-queue.js';
import { describeSummary, FINISHED, summariseQueue } from '../logic/upload-queue.js';

interface BatchPanelProps {
  items: QueueItem[];
  parallel: number;
  onOpen: (imageId: string) => void;
  onCancel: () => void;
  onClear: () => void;
}

const STATUS_TEXT: Record<QueueItem['status'], string> = {
  queued: 'waiting',
  uploading: 'uploading',
  detecting: 'detecting…',
  done: 'done',
  duplicate: 'uploaded before',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** A batch upload: each file with its progress and outcome, and a summary (uploaded, duplicates, failures). */
export function BatchPanel({ items, parallel, onOpen, onCancel, onClear }: BatchPanelProps) {
  const summary = summariseQueue(items);
  const finished = summary.pending === 0;
  return (
    <section class="card batch" aria-labelledby="batch-heading" data-testid="batch">
      <div class="batch-header">
        <h2 id="batch-heading">
          {finished
            ? 'Batch finished'
            : `Uploading ${formatCount(items.length, 'file')} (${parallel} at a time)`}
        </h2>
        {finished ? (
          <button type="button" class="button button-quiet button-small" onClick={onClear}>
            Close
          </button>
        ) : (
          <button type="button" class="button button-quiet button-small" onClick={onCancel}>
            Cancel the rest
          </button>
        )}
      </div>
      <p class="batch-summary" role="status" data-testid="batch-summary">
        {describeSummary(summary)}
      </p>
      {finished && summary.failures.length > 0 && (
        <ul class="batch-failures" data-testid="batch-failures">
          {summary.failures.map(({ name, reason }) => (
            <li key={name}>
              <strong>{name}</strong>: {reason}
            </li>
          ))}
        </ul>
      )}
      <ol class="batch-list">
        {items.map((item) => (
          <li
            key={item.id}
            class={`batch-item batch-${item.status}`}
            data-testid="batch-item"
            data-status={item.status}
            data-image-id={item.imageId ?? undefined}
          >
            <span class="batch-name" title={item.name}>
              {item.name}
            </span>
            <progress
              max={1}
              value={FINISHED.has(item.status) ? 1 : item.progress}
              aria-label={`${item.name}: ${STATUS_TEXT[item.status]}`}
            />
            <span class="batch-status">
              {STATUS_TEXT[item.status]}
              {item.status === 'done' && item.objectCount !== null
                ? `, ${formatCount(item.objectCount, 'object')}`
                : ''}
            </span>
            {item.imageId && (item.status === 'done' || item.status === 'duplicate') && (
              <button
                type="button"
                class="button button-quiet button-small"
                onClick={() => onOpen(item.imageId!)}
              >
                Open {item.name}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
