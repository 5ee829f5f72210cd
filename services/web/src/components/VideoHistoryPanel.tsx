import type { ApiClient } from '../api/client.js';
import type { VideoRecord } from '../api/types.js';
import { formatMediaTime, shortId } from '../logic/format.js';
import { jobStateText } from '../logic/video-job.js';
import { ConfirmButton } from './ConfirmButton.js';
import { HistoryCard } from './HistoryCard.js';
import { HistoryEntry } from './HistoryEntry.js';
import { HISTORY_PAGE_SIZE, usePagedHistory } from './history-hook.js';

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

/** Stored videos, newest first, with duration and their job's state; cursor-paginated; open or delete. */
export function VideoHistoryPanel(props: VideoHistoryPanelProps) {
  const { api, tokenVersion, version, currentId, onOpen, onDelete, onUnauthorized } = props;
  const history = usePagedHistory<VideoRecord>({
    api,
    fetchPage: async (cursor, signal) => {
      const page = await api.listVideos({ limit: HISTORY_PAGE_SIZE, cursor }, signal);
      return { items: page.videos, nextCursor: page.next_cursor };
    },
    idOf: (video) => video.video_id,
    action: 'Loading videos',
    version,
    tokenVersion,
    onUnauthorized,
  });

  return (
    <HistoryCard
      history={history}
      headingId="video-history-heading"
      heading="Video history"
      listTestId="video-history-list"
      emptyText="No videos yet. Upload one to start."
      moreLabel="Load older videos"
    >
      {history.items.map((video) => {
        const name = video.filename || shortId(video.video_id);
        return (
          <HistoryEntry
            key={video.video_id}
            testId="video-history-item"
            idAttribute={{ 'data-video-id': video.video_id }}
            name={name}
            createdAt={video.created_at}
            current={video.video_id === currentId}
            onOpen={() => onOpen(video.video_id)}
            thumb={
              <span class="thumb thumb-video">
                <svg viewBox="0 0 24 24" aria-hidden="true">
                  <path d="M8 5.5v13l10-6.5z" />
                </svg>
              </span>
            }
            badge={
              <span class={`badge ${video.status === 'failed' ? 'badge-failed' : 'badge-count'}`}>
                {video.status === 'completed'
                  ? formatMediaTime(video.duration_s)
                  : jobStateText(video.status)}
              </span>
            }
            actions={
              <ConfirmButton
                label="Delete"
                ariaLabel={`Delete ${name}`}
                confirmLabel="Delete"
                question={`Delete ${name}?`}
                compact
                onConfirm={() => onDelete(video.video_id)}
              />
            }
          />
        );
      })}
    </HistoryCard>
  );
}
