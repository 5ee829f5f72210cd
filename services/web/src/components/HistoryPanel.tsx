import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { ApiError } from '../api/errors.js';
import { toApiError } from '../api/errors.js';
import type { ImageRecord } from '../api/types.js';
import { formatCount, formatRelativeTime, shortId } from '../logic/format.js';
import { ConfirmButton } from './ConfirmButton.js';
import { useImageSource } from './hooks.js';

const PAGE_SIZE = 12;

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

interface HistoryState {
  images: ImageRecord[];
  cursor: string | null;
  loading: boolean;
  error: ApiError | null;
}

/** Stored images, newest first, with thumbnails, object counts and status; cursor-paginated. */
export function HistoryPanel(props: HistoryPanelProps) {
  const { api, tokenVersion, version, currentId, busy, onOpen, onRerun, onDelete, onUnauthorized } = props;
  const [state, setState] = useState<HistoryState>({ images: [], cursor: null, loading: true, error: null });

  const load = async (cursor: string | null, signal?: AbortSignal) => {
    setState((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const page = await api.listImages({ limit: PAGE_SIZE, cursor }, signal);
      setState((previous) => {
        const images = cursor === null ? page.images : [...previous.images, ...page.images];
        const unique = [...new Map(images.map((image) => [image.image_id, image])).values()];
        return { images: unique, cursor: page.next_cursor, loading: false, error: null };
      });
    } catch (error) {
      const apiError = toApiError(error, 'Loading history', api.baseUrl);
      if (apiError.kind === 'aborted') return;
      if (apiError.kind === 'unauthorized') onUnauthorized();
      setState((previous) => ({ ...previous, loading: false, error: apiError }));
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [api, version, tokenVersion]);

  return (
    <section class="card history" aria-labelledby="history-heading" aria-busy={state.loading}>
      <div class="history-header">
        <h2 id="history-heading">History</h2>
        <button
          type="button"
          class="button button-quiet button-small"
          onClick={() => void load(null)}
          disabled={state.loading}
        >
          Refresh
        </button>
      </div>
      {state.error && (
        <p class="alert alert-error alert-inline" role="alert">
          {state.error.title}
          {state.error.detail ? ` ${state.error.detail}` : ''}
        </p>
      )}
      {!state.loading && !state.error && state.images.length === 0 && (
        <p class="hint history-empty">No images yet. Upload one to start.</p>
      )}
      <ol class="history-list" data-testid="history-list">
        {state.images.map((image) => (
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
      </ol>
      {state.loading && (
        <p class="hint history-loading">
          <span class="spinner spinner-small" aria-hidden="true" /> Loading…
        </p>
      )}
      {state.cursor !== null && !state.loading && (
        <button
          type="button"
          class="button button-quiet history-more"
          onClick={() => void load(state.cursor)}
        >
          Load older images
        </button>
      )}
    </section>
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
    <li
      class={`history-item ${current ? 'history-current' : ''}`}
      data-testid="history-item"
      data-image-id={image.image_id}
    >
      <button
        type="button"
        class="history-open"
        aria-current={current ? 'true' : undefined}
        onClick={() => onOpen(image.image_id)}
      >
        <span class="thumb">
          {thumbnail.src && <img src={thumbnail.src} alt="" loading="lazy" decoding="async" />}
        </span>
        <span class="history-text">
          <span class="history-name">{name}</span>
          <span class="history-meta">
            {failed ? (
              <span class="badge badge-failed">failed</span>
            ) : (
              <span class="badge badge-count">{formatCount(count, 'object')}</span>
            )}
            <time dateTime={image.created_at} title={image.created_at}>
              {formatRelativeTime(image.created_at)}
            </time>
          </span>
        </span>
      </button>
      <div class="history-actions">
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
      </div>
    </li>
  );
}
