import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import { type ApiError, toApiError } from '../api/errors.js';
import type { VideoFrame, VideoRecord, VideoTrack } from '../api/types.js';
import { formatBytes, formatMediaTime, formatRelativeTime, shortId } from '../logic/format.js';
import { jobFinished } from '../logic/video-job.js';
import { ConfirmButton } from './ConfirmButton.js';
import { saveBlob } from './download.js';
import { TrackList } from './TrackList.js';
import { VideoJobProgress } from './VideoJobProgress.js';
import { VideoPlayer } from './VideoPlayer.js';
import { useJobFollower, useVideoSource } from './video-hooks.js';

interface VideoDetailProps {
  api: ApiClient;
  tokenVersion: number;
  video: VideoRecord;
  onDelete: () => void;
  onError: (error: ApiError) => void;
  /** The job has finished (the history shows the new state). */
  onFinished: () => void;
}

interface Results {
  frames: VideoFrame[];
  tracks: VideoTrack[];
  /** Loaded after the job finished (with track ids), not a live update while it runs. */
  final: boolean;
}

const LIVE_FRAMES_MS = 2000;

/** One video: its job live while it runs, then the player with the boxes, the track list and the downloads. */
export function VideoDetail({ api, tokenVersion, video, onDelete, onError, onFinished }: VideoDetailProps) {
  const { job, feed } = useJobFollower(api, video.job);
  const [cancelling, setCancelling] = useState(false);
  const [results, setResults] = useState<Results | null>(null);
  const source = useVideoSource(api, video.video_id, 'file', tokenVersion);
  const videoRef = useRef<HTMLVideoElement>(null);
  const finished = jobFinished(job.state);
  const name = video.filename || shortId(video.video_id);

  // Frames and tracks are final once the job has finished (track ids are set when it completes).
  useEffect(() => {
    if (!finished) return;
    if (!jobFinished(video.job.state)) onFinished();
    const controller = new AbortController();
    Promise.all([
      api.videoFrames(video.video_id, controller.signal),
      api.videoTracks(video.video_id, controller.signal),
    ])
      .then(([frames, tracks]) => setResults({ frames, tracks, final: true }))
      .catch((caught: unknown) => {
        const error = toApiError(caught, 'Loading the detections', api.baseUrl);
        if (error.kind !== 'aborted') onError(error);
      });
    return () => controller.abort();
  }, [api, video.video_id, finished, tokenVersion]);

  // While the job runs, the frames detected so far are drawn too (without track ids yet), fetched at most every
  // LIVE_FRAMES_MS as the job reports progress.
  const lastLiveFetch = useRef(0);
  useEffect(() => {
    if (finished || job.frames_done === 0) return;
    const controller = new AbortController();
    const wait = Math.max(0, lastLiveFetch.current + LIVE_FRAMES_MS - performance.now());
    const timer = setTimeout(() => {
      lastLiveFetch.current = performance.now();
      api
        .videoFrames(video.video_id, controller.signal)
        .then((frames) =>
          setResults((current) => (current?.final ? current : { frames, tracks: [], final: false })),
        )
        .catch(() => {
          // a missed update: the next progress event or the final load brings the frames
        });
    }, wait);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, video.video_id, job.frames_done, finished]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await api.cancelJob(job.job_id);
    } catch (caught) {
      onError(toApiError(caught, 'Cancelling the job', api.baseUrl));
    } finally {
      setCancelling(false);
    }
  };

  const seek = (track: VideoTrack) => {
    const player = videoRef.current;
    if (!player) return;
    player.pause();
    player.currentTime = track.first_timestamp;
    player.focus();
  };

  const downloadAnnotated = async (event: MouseEvent) => {
    if (!api.hasToken) return;
    event.preventDefault();
    try {
      saveBlob(await api.videoBlob(video.video_id, 'annotated'), annotatedName(video));
    } catch (caught) {
      onError(toApiError(caught, 'Downloading the annotated video', api.baseUrl));
    }
  };

  return (
    <article
      class="card result video-result"
      aria-labelledby="video-heading"
      data-testid="video-result"
      data-video-id={video.video_id}
      data-state={job.state}
    >
      <header class="result-header">
        <div class="result-title">
          <h2 id="video-heading" title={video.filename} tabIndex={-1}>
            {name}
          </h2>
          <p class="result-meta">
            <span
              class={`badge badge-${job.state === 'failed' ? 'failed' : 'ok'}`}
              data-testid="video-status"
            >
              {job.state}
            </span>
            <span>{formatMediaTime(video.duration_s)}</span>
            <span>
              {video.width} × {video.height} px, {video.fps} fps
            </span>
            {video.size_bytes > 0 && <span>{formatBytes(video.size_bytes)}</span>}
            {job.model && <span>{job.model}</span>}
            {video.created_at && (
              <time dateTime={video.created_at} title={video.created_at}>
                {formatRelativeTime(video.created_at)}
              </time>
            )}
            <span class="mono" title={`Video id (SHA-256): ${video.video_id}`}>
              {shortId(video.video_id)}
            </span>
          </p>
        </div>
        <div class="result-actions">
          {job.state === 'completed' && (
            <a
              class="button"
              href={api.videoUrl(video.video_id, 'annotated')}
              download={annotatedName(video)}
              data-testid="annotated-link"
              onClick={(event) => void downloadAnnotated(event)}
            >
              Annotated MP4
            </a>
          )}
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete this video"
            question="Delete the video, its frames and tracks?"
            onConfirm={onDelete}
          />
        </div>
      </header>

      {!finished && (
        <VideoJobProgress job={job} feed={feed} cancelling={cancelling} onCancel={() => void cancel()} />
      )}
      {job.state === 'failed' && (
        <p class="alert alert-error alert-inline" role="alert">
          Detection failed: {job.error ?? 'the job stopped without a reason.'}
        </p>
      )}
      {job.state === 'cancelled' && (
        <p class="alert alert-info alert-inline" role="status" data-testid="video-cancelled">
          The job was cancelled after {job.frames_done} of {job.frames_total} sampled frames; the boxes of
          those frames are shown.
        </p>
      )}

      <VideoPlayer
        src={source.src}
        width={video.width}
        height={video.height}
        frames={results?.frames ?? []}
        videoRef={videoRef}
        label={`${name}, with the detected objects drawn over it`}
      />
      {source.failed && <p class="hint hint-warn">The video file could not be loaded.</p>}

      {finished && results?.final && <TrackList tracks={results.tracks} onSeek={seek} />}
      {finished && !results?.final && (
        <p class="hint">
          <span class="spinner spinner-small" aria-hidden="true" /> Loading the detections…
        </p>
      )}
    </article>
  );
}

function annotatedName(video: VideoRecord): string {
  const base = (video.filename || shortId(video.video_id)).replace(/\.[^.]+$/, '');
  return `${base}-annotated.mp4`;
}
