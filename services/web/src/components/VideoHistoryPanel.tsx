import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { ApiError } from '../api/errors.js';
import { toApiError } from '../api/errors.js';
import type { VideoRecord } from '../api/types.js';
import { formatMediaTime, formatRelativeTime, shortId } from '../logic/format.js';
import { jobStateText } from '../logic/video-job.js';
import { ConfirmButton } from './ConfirmButton.js';

const PAGE_SIZE = 12;

interface VideoHistoryPanelProps {
  api: ApiClient;
  tokenVersion: number;
  /** Changes whenever stored videos changed: reload the first page. */
  version: number;
  currentId: string | null;
  onOpen: (videoId: string) => void;
  onDelete: (videoId: string) => void;
  onUnauthorized: () => void;
}

interface HistoryState {
  videos: VideoRecord[];
  cursor: string | null;
  loading: boolean;
  error: ApiError | null;
}

/** Stored videos, newest first, with duration and their job's state; cursor-paginated; open or delete. */
export function VideoHistoryPanel(props: VideoHistoryPanelProps) {
  const { api, tokenVersion, version, currentId, onOpen, onDelete, onUnauthorized } = props;
  const [state, setState] = useState<HistoryState>({ videos: [], cursor: null, loading: true, error: null });

  const load = async (cursor: string | null, signal?: AbortSignal) => {
    setState((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const page = await api.listVideos({ limit: PAGE_SIZE, cursor }, signal);
      setState((previous) => {
        const videos = cursor === null ? page.videos : [...previous.videos, ...page.videos];
        const unique = [...new Map(videos.map((video) => [video.video_id, video])).values()];
        return { videos: unique, cursor: page.next_cursor, loading: false, error: null };
      });
    } catch (error) {
      const apiError = toApiError(error, 'Loading videos', api.baseUrl);
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
    <section class="card history" aria-labelledby="video-history-heading" aria-busy={state.loading}>
      <div class="history-header">
        <h2 id="video-history-heading">Video history</h2>
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
      {!state.loading && !state.error && state.videos.length === 0 && (
        <p class="hint history-empty">No videos yet. Upload one to start.</p>
      )}
      <ol class="history-list" data-testid="video-history-list">
        {state.videos.map((video) => {
          const name = video.filename || shortId(video.video_id);
          const current = video.video_id === currentId;
          return (
            <li
              key={video.video_id}
              class={`history-item ${current ? 'history-current' : ''}`}
              data-testid="video-history-item"
              data-video-id={video.video_id}
            >
              <button
                type="button"
                class="history-open"
                aria-current={current ? 'true' : undefined}
                onClick={() => onOpen(video.video_id)}
              >
                <span class="thumb thumb-video">
                  <svg viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M8 5.5v13l10-6.5z" />
                  </svg>
                </span>
                <span class="history-text">
                  <span class="history-name">{name}</span>
                  <span class="history-meta">
                    <span class={`badge ${video.status === 'failed' ? 'badge-failed' : 'badge-count'}`}>
                      {video.status === 'completed'
                        ? formatMediaTime(video.duration_s)
                        : jobStateText(video.status)}
                    </span>
                    <time dateTime={video.created_at} title={video.created_at}>
                      {formatRelativeTime(video.created_at)}
                    </time>
                  </span>
                </span>
              </button>
              <div class="history-actions">
                <ConfirmButton
                  label="Delete"
                  ariaLabel={`Delete ${name}`}
                  confirmLabel="Delete"
                  question={`Delete ${name}?`}
                  compact
                  onConfirm={() => onDelete(video.video_id)}
                />
              </div>
            </li>
          );
        })}
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
          Load older videos
        </button>
      )}
    </section>
  );
}
