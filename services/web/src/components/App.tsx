import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import { ApiError, toApiError } from '../api/errors.js';
import type { ImageRecord } from '../api/types.js';
import { appReducer, INITIAL_STATE, type JobKind, type Result } from '../logic/app-state.js';
import { formatScore } from '../logic/format.js';
import { VIEWS, viewOf } from '../logic/route.js';
import {
  DEFAULT_SETTINGS,
  type DetectSettings,
  parseSettings,
  SETTINGS_STORAGE_KEY,
} from '../logic/settings.js';
import type { TokenStore } from '../logic/token-store.js';
import { nameForPastedFile } from '../logic/upload-input.js';
import { BatchPanel } from './BatchPanel.js';
import { EmptyState } from './EmptyState.js';
import { ErrorAlert } from './ErrorAlert.js';
import { HistoryPanel } from './HistoryPanel.js';
import { useEscapeKey, useHashRoute, useModels, useReadiness } from './hooks.js';
import { JobProgress } from './JobProgress.js';
import { ModelsPage } from './ModelsPage.js';
import { ResultView } from './ResultView.js';
import { StatusBar } from './StatusBar.js';
import { TokenField } from './TokenField.js';
import { UploadPanel } from './UploadPanel.js';
import { useUploadQueue } from './upload-queue-hook.js';
import { VideosView } from './VideosView.js';

interface AppProps {
  api: ApiClient;
  tokens: TokenStore;
}

interface JobOutcome {
  result: Result;
  notice?: string | null;
  storedChanged: boolean;
  select?: string | null;
  error?: ApiError | null;
  newRun?: boolean;
}

function loadSettings(): DetectSettings {
  try {
    return parseSettings(localStorage.getItem(SETTINGS_STORAGE_KEY));
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Files in a drag over the page (not text or links being dragged). */
const draggingFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

export function App({ api, tokens }: AppProps) {
  const [state, dispatch] = useReducer(appReducer, INITIAL_STATE);
  const [settings, setSettings] = useState<DetectSettings>(loadSettings);
  const [dragging, setDragging] = useState(false);
  const scrollToResult = useRef(false);
  const [tokenVersion, setTokenVersion] = useState(0);
  const [tokenRequested, setTokenRequested] = useState(false);
  const [details, setDetails] = useState<{ loading: boolean; error: string | null }>({
    loading: false,
    error: null,
  });
  const [route, navigate] = useHashRoute();
  const view = viewOf(route);
  const status = useReadiness(api, state.job !== null);
  const models = useModels(api, tokenVersion);
  const jobController = useRef<AbortController | null>(null);
  const jobCounter = useRef(0);
  const retry = useRef<(() => void) | null>(null);
  const currentId = state.result?.image.image_id ?? null;
  const detectOptions = { model: settings.model, scoreThreshold: settings.scoreThreshold };
  const queue = useUploadQueue(api, settings, {
    onStored: (imageId) => {
      dispatch({ type: 'history-changed' });
      // the first result of a batch is shown when nothing else is
      if (!currentId && state.job === null && route.page === 'home') {
        navigate({ page: 'image', imageId, objectId: null });
      }
    },
    onUnauthorized: () => setTokenRequested(true),
  });
  const batchRunning = queue.items.some((item) => item.status === 'queued' || item.status === 'uploading');

  useEffect(() => {
    try {
      localStorage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify(settings));
    } catch {
      // storage unavailable: the settings last as long as the page
    }
  }, [settings]);

  const openImage = async (imageId: string, signal: AbortSignal): Promise<Result> => {
    const [image, objects] = await Promise.all([
      api.getImage(imageId, signal),
      api.getObjects(imageId, {}, signal),
    ]);
    return { image, objects: objects.objects };
  };

  const resultOf = async (image: ImageRecord, signal: AbortSignal): Promise<Result> =>
    image.detections !== null ? { image, objects: image.detections } : openImage(image.image_id, signal);

  /**
   * An upload that failed but left a stored image behind still has something to show: a duplicate (409)
   * opens the stored result; a model-server failure (502/503/504) opens the image kept as "failed", with
   * the error above it and re-run at hand.
   */
  const recoverUpload = async (error: ApiError, duplicateNotice: string, signal: AbortSignal) => {
    if (error.imageId === null) throw error;
    if (error.kind === 'duplicate') {
      return {
        result: await openImage(error.imageId, signal),
        storedChanged: false,
        notice: duplicateNotice,
      };
    }
    if (error.kind !== 'model_unavailable') throw error;
    let result: Result;
    try {
      result = await openImage(error.imageId, signal);
    } catch {
      throw error;
    }
    return { result, storedChanged: true, error };
  };

  const runJob = async (
    kind: JobKind,
    description: string,
    work: (signal: AbortSignal) => Promise<JobOutcome>,
  ) => {
    jobController.current?.abort();
    const controller = new AbortController();
    jobController.current = controller;
    jobCounter.current += 1;
    const job = { id: jobCounter.current, kind, description, startedAt: performance.now() };
    dispatch({ type: 'job-started', job });
    try {
      const outcome = await work(controller.signal);
      dispatch({ type: 'job-succeeded', jobId: job.id, ...outcome });
      if (!outcome.error) retry.current = null;
      const { image } = outcome.result;
      navigate({ page: 'image', imageId: image.image_id, objectId: outcome.select ?? null }, kind === 'open');
      // show the new result: scroll to it (on a phone it is below the upload panel) and focus its heading
      if (kind !== 'open') scrollToResult.current = true;
    } catch (caught) {
      const error = toApiError(caught, description, api.baseUrl);
      if (error.kind === 'unauthorized') {
        setTokenRequested(true);
      }
      dispatch({
        type: 'job-failed',
        jobId: job.id,
        error,
        // a model-server failure keeps the upload, stored as "failed"
        storedChanged: kind !== 'open' && error.kind === 'model_unavailable',
      });
      if (kind === 'open' && error.kind === 'not_found') navigate({ page: 'home' }, true);
    } finally {
      if (jobController.current === controller) jobController.current = null;
    }
  };

  /** Runs an upload; a failure that left a stored image behind opens that image (see recoverUpload). */
  const upload = (
    description: string,
    action: string,
    duplicateNotice: string,
    send: (signal: AbortSignal) => Promise<ImageRecord>,
  ) => {
    void runJob('upload', description, async (signal) => {
      try {
        const image = await send(signal);
        const result = await resultOf(image, signal);
        return { result: { ...result, threshold: settings.scoreThreshold }, storedChanged: true };
      } catch (caught) {
        return recoverUpload(toApiError(caught, action, api.baseUrl), duplicateNotice, signal);
      }
    });
  };

  const uploadFile = (file: File) => {
    const filename = nameForPastedFile(file);
    retry.current = () => uploadFile(file);
    upload(
      `Detecting objects in ${filename}`,
      'Upload',
      `${filename} was uploaded before, so this is its stored result. Use “Re-run detection” to detect again with the current settings.`,
      (signal) => api.uploadFile(file, filename, detectOptions, signal),
    );
  };

  const uploadUrl = (url: string) => {
    retry.current = () => uploadUrl(url);
    upload(
      `Fetching ${url} and detecting objects`,
      'Upload from URL',
      'This image was uploaded before, so this is its stored result.',
      (signal) => api.uploadUrl(url, detectOptions, signal),
    );
  };

  const rerun = (imageId: string) => {
    const name = state.result?.image.image_id === imageId ? state.result.image.filename : '';
    retry.current = () => rerun(imageId);
    void runJob('rerun', `Re-running detection${name ? ` on ${name}` : ''}`, async (signal) => {
      const image = await api.rerunDetection(imageId, detectOptions, signal);
      const result = await resultOf(image, signal);
      return { result: { ...result, threshold: settings.scoreThreshold }, storedChanged: true, newRun: true };
    });
  };

  const open = (imageId: string, objectId: string | null = null) => {
    retry.current = () => open(imageId, objectId);
    void runJob('open', 'Opening the image', async (signal) => ({
      result: await openImage(imageId, signal),
      storedChanged: false,
      select: objectId,
    }));
  };

  const remove = async (imageId: string) => {
    try {
      await api.deleteImage(imageId);
      dispatch({ type: 'image-deleted', imageId });
      if (route.page === 'image' && route.imageId === imageId) navigate({ page: 'home' });
    } catch (caught) {
      const error = toApiError(caught, 'Delete', api.baseUrl);
      if (error.kind === 'unauthorized') setTokenRequested(true);
      if (error.kind === 'not_found') dispatch({ type: 'image-deleted', imageId });
      dispatch({ type: 'show-error', error });
    }
  };

  // The URL decides which image is shown: open it when it is not the one on screen.
  useEffect(() => {
    if (route.page === 'image' && route.imageId !== currentId) {
      open(route.imageId, route.objectId);
    } else if (route.page === 'home' && currentId !== null && state.job === null) {
      dispatch({ type: 'close-result' });
    }
  }, [route]);

  // The selected object is part of the URL (a shareable deep link), without adding history entries.
  useEffect(() => {
    if (route.page === 'image' && route.imageId === currentId && route.objectId !== state.selectedId) {
      navigate({ page: 'image', imageId: route.imageId, objectId: state.selectedId }, true);
    }
  }, [state.selectedId]);

  // Centroid, radius and class id are not in the objects list: load them for the selected object.
  useEffect(() => {
    const selected = state.result?.objects.find((object) => object.object_id === state.selectedId);
    if (!state.result || !selected || selected.centroid !== undefined) {
      setDetails({ loading: false, error: null });
      return;
    }
    const imageId = state.result.image.image_id;
    const controller = new AbortController();
    setDetails({ loading: true, error: null });
    api
      .getObject(imageId, selected.object_id, controller.signal)
      .then((object) => {
        dispatch({ type: 'object-details', imageId, object });
        setDetails({ loading: false, error: null });
      })
      .catch((caught: unknown) => {
        const error = toApiError(caught, 'Loading object details', api.baseUrl);
        if (error.kind !== 'aborted') setDetails({ loading: false, error: error.title });
      });
    return () => controller.abort();
  }, [api, state.selectedId, state.result]);

  /** One file is uploaded and shown; several go to the batch queue. */
  const takeFiles = (files: File[]) => {
    if (files.length === 0) return;
    if (files.length === 1 && state.job === null && !batchRunning) uploadFile(files[0]!);
    else queue.add(files);
  };

  // A scroll asked for by a finished upload or re-run, once its result is on the page.
  useEffect(() => {
    if (!scrollToResult.current || !state.result) return;
    scrollToResult.current = false;
    const heading = document.getElementById('result-heading');
    const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
    heading?.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    heading?.focus({ preventScroll: true });
  }, [state.result]);

  // Drop anywhere on the page (the whole upload panel shows it while files are dragged), or paste images.
  useEffect(() => {
    let depth = 0;
    const onDragEnter = (event: DragEvent) => {
      if (view !== 'images') return;
      if (!draggingFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const onDragLeave = (event: DragEvent) => {
      if (view !== 'images') return;
      if (!draggingFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDragOver = (event: DragEvent) => {
      if (view !== 'images') return;
      if (!draggingFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      if (view !== 'images') return;
      depth = 0;
      setDragging(false);
      if (!draggingFiles(event)) return;
      event.preventDefault();
      takeFiles(Array.from(event.dataTransfer?.files ?? []));
    };
    const onPaste = (event: ClipboardEvent) => {
      if (view !== 'images') return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, [contenteditable="true"]')) return;
      const files = Array.from(event.clipboardData?.files ?? []);
      if (files.length === 0) return;
      event.preventDefault();
      takeFiles(files);
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  });

  useEscapeKey(() => dispatch({ type: 'select', objectId: null }), state.selectedId !== null);

  const errorActions = (error: ApiError) => (
    <>
      {error.kind === 'unauthorized' && (
        <button type="button" class="button button-small" onClick={() => setTokenRequested(true)}>
          Enter API token
        </button>
      )}
      {error.kind === 'model_unavailable' && error.imageId && (
        <button type="button" class="button button-small" onClick={() => rerun(error.imageId!)}>
          Re-run detection
        </button>
      )}
      {['network', 'model_unavailable', 'server'].includes(error.kind) && !error.imageId && retry.current && (
        <button type="button" class="button button-small" onClick={() => retry.current?.()}>
          Try again
        </button>
      )}
    </>
  );

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <div class="brand">
          <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="7" />
            <rect x="6" y="8" width="13" height="13" rx="1.5" class="logo-a" />
            <rect x="13" y="13" width="13" height="11" rx="1.5" class="logo-b" />
          </svg>
          <h1>Object detection</h1>
          <nav class="views" aria-label="Views">
            {VIEWS.map((item) => (
              <a key={item.id} href={item.hash} aria-current={item.id === view ? 'page' : undefined}>
                {item.label}
              </a>
            ))}
            <a class="docs-link" href={`${api.baseUrl}/docs`}>
              API docs
            </a>
          </nav>
        </div>
        <StatusBar status={status} />
        <TokenField
          hasToken={api.hasToken}
          requested={tokenRequested}
          onSave={(token) => {
            tokens.set(token);
            setTokenRequested(false);
            setTokenVersion((version) => version + 1);
            dispatch({ type: 'dismiss-error' });
            dispatch({ type: 'history-changed' });
          }}
          onClear={() => {
            tokens.clear();
            setTokenVersion((version) => version + 1);
          }}
        />
      </header>

      {route.page === 'models' ? (
        <main id="main" class="layout-models" tabIndex={-1}>
          <ModelsPage api={api} tokenVersion={tokenVersion} onUnauthorized={() => setTokenRequested(true)} />
        </main>
      ) : route.page === 'videos' || route.page === 'video' ? (
        <main id="main" class="layout" tabIndex={-1}>
          <VideosView
            api={api}
            tokenVersion={tokenVersion}
            route={route}
            navigate={navigate}
            settings={settings}
            onSettings={setSettings}
            models={models.models}
            onUnauthorized={() => setTokenRequested(true)}
          />
        </main>
      ) : (
        <main id="main" class="layout" tabIndex={-1}>
          <div class="area-upload">
            <UploadPanel
              settings={settings}
              onSettings={setSettings}
              models={models.models}
              modelsError={models.error}
              busy={state.job !== null}
              dragging={dragging}
              onFiles={takeFiles}
              onUrl={uploadUrl}
              onFieldError={() => dispatch({ type: 'dismiss-error' })}
              onError={(message) =>
                dispatch({
                  type: 'show-error',
                  error: new ApiError({ kind: 'network', status: 0, title: message, detail: null }),
                })
              }
            />
          </div>

          <section class="area-result" aria-label="Result">
            {queue.items.length > 0 && (
              <BatchPanel
                items={queue.items}
                parallel={settings.parallelUploads}
                onOpen={(imageId) => navigate({ page: 'image', imageId, objectId: null })}
                onCancel={queue.cancel}
                onClear={queue.clear}
              />
            )}
            {state.job && (
              <JobProgress
                job={state.job}
                modelServer={status.modelServer}
                onCancel={() => jobController.current?.abort()}
              />
            )}
            {state.error && (
              <ErrorAlert error={state.error} onDismiss={() => dispatch({ type: 'dismiss-error' })}>
                {errorActions(state.error)}
              </ErrorAlert>
            )}
            {state.notice && (
              <p class="alert alert-info" role="status">
                {state.notice}
              </p>
            )}
            {state.result ? (
              <ResultView
                api={api}
                tokenVersion={tokenVersion}
                result={state.result}
                earlierRuns={state.earlierRuns[state.result.image.image_id] ?? []}
                rerunSettings={`${settings.model || models.models?.defaultModel || 'the default model'}, ${
                  settings.scoreThreshold === null
                    ? "the model's default threshold"
                    : `threshold ${formatScore(settings.scoreThreshold)}`
                }`}
                state={state}
                dispatch={dispatch}
                busy={state.job !== null}
                detailsLoading={details.loading}
                detailsError={details.error}
                onRerun={() => rerun(state.result!.image.image_id)}
                onDelete={() => void remove(state.result!.image.image_id)}
              />
            ) : (
              !state.job && queue.items.length === 0 && <EmptyState status={status} />
            )}
          </section>

          <div class="area-history">
            <HistoryPanel
              api={api}
              tokenVersion={tokenVersion}
              version={state.historyVersion}
              currentId={currentId}
              busy={state.job !== null}
              onOpen={(imageId) => navigate({ page: 'image', imageId, objectId: null })}
              onRerun={rerun}
              onDelete={(imageId) => void remove(imageId)}
              onUnauthorized={() => setTokenRequested(true)}
            />
          </div>
        </main>
      )}

      <div class="visually-hidden" aria-live="polite" data-testid="announcer">
        {state.announcement}
      </div>
    </>
  );
}
