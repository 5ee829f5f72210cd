import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import { type ApiError, toApiError } from '../api/errors.js';
import type { ModelList, VideoAccepted, VideoRecord } from '../api/types.js';
import { formatBytes } from '../logic/format.js';
import type { Route } from '../logic/route.js';
import type { DetectSettings } from '../logic/settings.js';
import { samplingFps } from '../logic/video-sampling.js';
import { ErrorAlert } from './ErrorAlert.js';
import { VideoDetail } from './VideoDetail.js';
import { VideoHistoryPanel } from './VideoHistoryPanel.js';
import { VideoUploadPanel } from './VideoUploadPanel.js';

interface VideosViewProps {
  api: ApiClient;
  tokenVersion: number;
  route: { page: 'videos' } | { page: 'video'; videoId: string };
  navigate: (route: Route, replace?: boolean) => void;
  settings: DetectSettings;
  onSettings: (settings: DetectSettings) => void;
  models: ModelList | null;
  onUnauthorized: () => void;
}

interface Upload {
  name: string;
  size: number;
  /** 0..1 of the bytes sent; null for a URL the backend fetches. */
  sent: number | null;
}

/** Files in a drag over the page (not text or links being dragged). */
const draggingFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/**
 * The Videos view: upload (with its progress), the video's job live, then the player with the boxes over it,
 * its tracks and the annotated MP4; the stored videos in a history.
 */
export function VideosView(props: VideosViewProps) {
  const { api, tokenVersion, route, navigate, settings, onSettings, models, onUnauthorized } = props;
  const [upload, setUpload] = useState<Upload | null>(null);
  const [video, setVideo] = useState<VideoRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sampling, setSampling] = useState('');
  const [historyVersion, setHistoryVersion] = useState(0);
  const [dragging, setDragging] = useState(false);
  const uploadController = useRef<AbortController | null>(null);
  const routeId = route.page === 'video' ? route.videoId : null;

  const fail = (caught: unknown, action: string) => {
    const apiError = toApiError(caught, action, api.baseUrl);
    if (apiError.kind === 'unauthorized') onUnauthorized();
    setError(apiError);
  };

  // The URL decides which video is shown: load it when it is not the one on screen.
  useEffect(() => {
    if (routeId === null) {
      setVideo(null);
      return;
    }
    if (video?.video_id === routeId) return;
    const controller = new AbortController();
    api
      .getVideo(routeId, controller.signal)
      .then(setVideo)
      .catch((caught: unknown) => {
        const apiError = toApiError(caught, 'Opening the video', api.baseUrl);
        if (apiError.kind === 'aborted') return;
        fail(apiError, 'Opening the video');
        if (apiError.kind === 'not_found') navigate({ page: 'videos' }, true);
      });
    return () => controller.abort();
  }, [api, routeId, tokenVersion]);

  const accepted = (answer: VideoAccepted) => {
    setVideo(answer.video);
    setHistoryVersion((version) => version + 1);
    navigate({ page: 'video', videoId: answer.video_id });
    requestAnimationFrame(() => document.getElementById('video-heading')?.focus());
  };

  const send = async (description: Upload, work: (signal: AbortSignal) => Promise<VideoAccepted>) => {
    uploadController.current?.abort();
    const controller = new AbortController();
    uploadController.current = controller;
    setUpload(description);
    setError(null);
    setNotice(null);
    try {
      accepted(await work(controller.signal));
    } catch (caught) {
      const apiError = toApiError(caught, 'Video upload', api.baseUrl);
      if (apiError.kind === 'aborted') {
        setNotice(`Cancelled: uploading ${description.name}.`);
      } else if (apiError.kind === 'duplicate' && apiError.videoId) {
        setNotice(`${description.name} was uploaded before, so this is its stored result.`);
        navigate({ page: 'video', videoId: apiError.videoId });
      } else {
        fail(apiError, 'Video upload');
      }
    } finally {
      if (uploadController.current === controller) {
        uploadController.current = null;
        setUpload(null);
      }
    }
  };

  const options = () => ({
    model: settings.model,
    scoreThreshold: settings.scoreThreshold,
    fps: samplingFps(sampling),
  });

  const uploadFile = (file: File) =>
    void send({ name: file.name || 'video', size: file.size, sent: 0 }, (signal) =>
      api.uploadVideoFile(
        file,
        file.name || 'video.mp4',
        options(),
        (sent) => setUpload((current) => (current ? { ...current, sent } : current)),
        signal,
      ),
    );

  const uploadUrl = (url: string) =>
    void send({ name: url, size: 0, sent: null }, (signal) => api.uploadVideoUrl(url, options(), signal));

  const remove = async (videoId: string) => {
    try {
      await api.deleteVideo(videoId);
      setNotice('The video was deleted.');
    } catch (caught) {
      const apiError = toApiError(caught, 'Delete', api.baseUrl);
      if (apiError.kind !== 'not_found') {
        fail(apiError, 'Delete');
        return;
      }
    }
    setHistoryVersion((version) => version + 1);
    if (routeId === videoId) navigate({ page: 'videos' });
  };

  // A video dropped anywhere on the page is uploaded.
  useEffect(() => {
    let depth = 0;
    const onDragEnter = (event: DragEvent) => {
      if (!draggingFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const onDragLeave = (event: DragEvent) => {
      if (!draggingFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDragOver = (event: DragEvent) => {
      if (!draggingFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      depth = 0;
      setDragging(false);
      if (!draggingFiles(event)) return;
      event.preventDefault();
      const file = event.dataTransfer?.files[0];
      if (file && !upload) uploadFile(file);
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  });

  const shown = video && video.video_id === routeId ? video : null;
  return (
    <>
      <div class="area-upload">
        <VideoUploadPanel
          settings={settings}
          onSettings={onSettings}
          models={models}
          sampling={sampling}
          onSampling={setSampling}
          busy={upload !== null}
          dragging={dragging}
          onFile={uploadFile}
          onUrl={uploadUrl}
        />
      </div>

      <section class="area-result" aria-label="Video">
        {upload && (
          <div class="progress" data-testid="video-upload-progress">
            <span class="spinner" aria-hidden="true" />
            <div class="progress-text">
              <p class="progress-title">
                {upload.sent === null
                  ? `Fetching ${upload.name}…`
                  : upload.sent < 1
                    ? `Uploading ${upload.name}: ${Math.round(upload.sent * 100)} %`
                    : `Uploaded ${upload.name}; the backend is reading the video…`}
              </p>
              {upload.sent !== null && (
                <progress max={1} value={upload.sent} aria-label={`Uploading ${upload.name}`} />
              )}
              {upload.size > 0 && <p class="progress-detail">{formatBytes(upload.size)}</p>}
            </div>
            <button
              type="button"
              class="button button-quiet"
              onClick={() => uploadController.current?.abort()}
            >
              Cancel
            </button>
          </div>
        )}
        {error && (
          <ErrorAlert error={error} onDismiss={() => setError(null)}>
            {error.kind === 'unauthorized' && (
              <button type="button" class="button button-small" onClick={onUnauthorized}>
                Enter API token
              </button>
            )}
          </ErrorAlert>
        )}
        {notice && (
          <p class="alert alert-info" role="status" data-testid="video-notice">
            {notice}
          </p>
        )}
        {shown ? (
          <VideoDetail
            key={shown.video_id}
            api={api}
            tokenVersion={tokenVersion}
            video={shown}
            onDelete={() => void remove(shown.video_id)}
            onError={(caught) => fail(caught, 'Video')}
            onFinished={() => setHistoryVersion((version) => version + 1)}
          />
        ) : (
          !upload &&
          routeId === null && (
            <div class="card empty" data-testid="videos-empty">
              <p>
                Upload a video: its frames are sampled, the objects in each are detected and followed from
                frame to frame, and the boxes are drawn over the video as it plays.
              </p>
            </div>
          )
        )}
      </section>

      <div class="area-history">
        <VideoHistoryPanel
          api={api}
          tokenVersion={tokenVersion}
          version={historyVersion}
          currentId={routeId}
          onOpen={(videoId) => navigate({ page: 'video', videoId })}
          onDelete={(videoId) => void remove(videoId)}
          onUnauthorized={onUnauthorized}
        />
      </div>
    </>
  );
}
