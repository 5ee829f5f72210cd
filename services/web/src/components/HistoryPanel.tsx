import type { ApiClient } from '../api/client.js';
import type { ImageRecord } from '../api/types.js';
import { formatCount, shortId } from '../logic/format.js';
import { ConfirmButton } from './ConfirmButton.js';
import { HistoryCard } from './HistoryCard.js';
import { HistoryEntry } from './HistoryEntry.js';
import { HISTORY_PAGE_SIZE, usePagedHistory } from './history-hook.js';
import { useImageSource } from './hooks.js';

interface HistoryPanelProps {
  api: ApiClient;
  tokenVersion: number;
  /** Changes whenever stored images changed: reload the first page. */
  version: number;
  currentId: string | null;
  busy: boolean;
  onOpen: (imageId: string) => void;
  onRerun: (imageId: string) => void;
  onDelete: (imageId: string) => void;
  onUnauthorized: () => void;
}

/** Stored images, newest first, with thumbnails, object counts and status; cursor-paginated. */
export function HistoryPanel(props: HistoryPanelProps) {
  const { api, tokenVersion, version, currentId, busy, onOpen, onRerun, onDelete, onUnauthorized } = props;
  const history = usePagedHistory<ImageRecord>({
    api,
    fetchPage: async (cursor, signal) => {
      const page = await api.listImages({ limit: HISTORY_PAGE_SIZE, cursor }, signal);
      return { items: page.images, nextCursor: page.next_cursor };
    },
    idOf: (image) => image.image_id,
    action: 'Loading history',
    version,
    tokenVersion,
    onUnauthorized,
  });

  return (
    <HistoryCard
      history={history}
      headingId="history-heading"
      heading="History"
      listTestId="history-list"
      emptyText="No images yet. Upload one to start."
      moreLabel="Load older images"
    >
      {history.items.map((image) => (
        <HistoryItem
          key={image.image_id}
          api={api}
          tokenVersion={tokenVersion}
          image={image}
          current={image.image_id === currentId}
          busy={busy}
          onOpen={onOpen}
          onRerun={onRerun}
          onDelete={onDelete}
        />
      ))}
    </HistoryCard>
  );
}

interface HistoryItemProps {
  api: ApiClient;
  tokenVersion: number;
  image: ImageRecord;
  current: boolean;
  busy: boolean;
  onOpen: (imageId: string) => void;
  onRerun: (imageId: string) => void;
  onDelete: (imageId: string) => void;
}

function HistoryItem({
  api,
  tokenVersion,
  image,
  current,
  busy,
  onOpen,
  onRerun,
  onDelete,
}: HistoryItemProps) {
  const thumbnail = useImageSource(api, image.image_id, 'file', tokenVersion);
  const name = image.filename || shortId(image.image_id);
  const failed = image.status === 'failed';
  const count = image.object_count ?? 0;
  return (
    <HistoryEntry
      testId="history-item"
      idAttribute={{ 'data-image-id': image.image_id }}
      name={name}
      createdAt={image.created_at}
      current={current}
      onOpen={() => onOpen(image.image_id)}
      thumb={
        <span class="thumb">
          {thumbnail.src && <img src={thumbnail.src} alt="" loading="lazy" decoding="async" />}
        </span>
      }
      badge={
        failed ? (
          <span class="badge badge-failed">failed</span>
        ) : (
          <span class="badge badge-count">{formatCount(count, 'object')}</span>
        )
      }
      actions={
        <>
          <button
            type="button"
            class="button button-quiet button-small"
            disabled={busy}
            aria-label={`Re-run detection on ${name}`}
            onClick={() => onRerun(image.image_id)}
          >
            Re-run
          </button>
          <ConfirmButton
            label="Delete"
            ariaLabel={`Delete ${name}`}
            confirmLabel="Delete"
            question={`Delete ${name}?`}
            compact
            disabled={busy}
            onConfirm={() => onDelete(image.image_id)}
          />
        </>
      }
    />
  );
}
