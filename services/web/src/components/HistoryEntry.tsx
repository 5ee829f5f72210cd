import type { ComponentChildren } from 'preact';
import { formatRelativeTime } from '../logic/format.js';

interface HistoryEntryProps {
  testId: string;
  /** The stored item's id as a data attribute (`data-image-id`, `data-video-id`). */
  idAttribute: Record<`data-${string}`, string>;
  name: string;
  createdAt: string;
  current: boolean;
  onOpen: () => void;
  /** The picture at the start: a `thumb` span. */
  thumb: ComponentChildren;
  /** Shown before the upload time. */
  badge: ComponentChildren;
  /** The buttons at the end (delete, re-run). */
  actions: ComponentChildren;
}

/** One stored item of a history: a button that opens it (thumb, name, badge, when), then its actions. */
export function HistoryEntry(props: HistoryEntryProps) {
  const { testId, idAttribute, name, createdAt, current, onOpen, thumb, badge, actions } = props;
  return (
    <li class={`history-item ${current ? 'history-current' : ''}`} data-testid={testId} {...idAttribute}>
      <button type="button" class="history-open" aria-current={current ? 'true' : undefined} onClick={onOpen}>
        {thumb}
        <span class="history-text">
          <span class="history-name">{name}</span>
          <span class="history-meta">
            {badge}
            <time dateTime={createdAt} title={createdAt}>
              {formatRelativeTime(createdAt)}
            </time>
          </span>
        </span>
      </button>
      <div class="history-actions">{actions}</div>
    </li>
  );
}
