import { useMemo, useState } from 'preact/hooks';
import type { ApiClient, ImageVariant } from '../api/client.js';
import { toApiError } from '../api/errors.js';
import type { ObjectDetails as ObjectDetailsRecord } from '../api/types.js';
import type { Action, AppState, Result } from '../logic/app-state.js';
import { apiResultJson, cocoResults, exportFileName, missingDetails } from '../logic/exports.js';
import { formatBytes, formatCount, formatRelativeTime, formatScore, shortId } from '../logic/format.js';
import { filterObjects, labelCounts, rankObjects, sortObjects } from '../logic/objects-table.js';
import { ConfirmButton } from './ConfirmButton.js';
import { DetectionViewer } from './DetectionViewer.js';
import { saveBlob, saveJson } from './download.js';
import { useImageSource } from './hooks.js';
import { ObjectDetails } from './ObjectDetails.js';
import { ObjectsTable } from './ObjectsTable.js';

interface ResultViewProps {
  api: ApiClient;
  tokenVersion: number;
  result: Result;
  /** Earlier runs on this image kept by the page, newest first. */
  earlierRuns: Result[];
  /** What a re-run will send, e.g. "centernet-coco, the model's default threshold". */
  rerunSettings: string;
  state: AppState;
  dispatch: (action: Action) => void;
  busy: boolean;
  detailsLoading: boolean;
  detailsError: string | null;
  onRerun: () => void;
  onDelete: () => void;
}

/** One image's result: picture with boxes, the selected object's details, and the objects table. */
export function ResultView(props: ResultViewProps) {
  const {
    api,
    tokenVersion,
    result: current,
    earlierRuns,
    rerunSettings,
    state,
    dispatch,
    busy,
    detailsLoading,
    detailsError,
    onRerun,
    onDelete,
  } = props;
  const runs = [current, ...earlierRuns];
  const result = runs[state.shownRun] ?? current;
  const viewingEarlier = result !== current;
  const { image } = current;
  const [showCaptions, setShowCaptions] = useState(true);
  const [exporting, setExporting] = useState(false);
  const source = useImageSource(api, image.image_id, 'file', tokenVersion);
  const ranked = useMemo(() => rankObjects(result.objects), [result.objects]);
  const visible = useMemo(() => filterObjects(ranked, state.filter), [ranked, state.filter]);
  const rows = useMemo(() => sortObjects(visible, state.sort), [visible, state.sort]);
  const labels = useMemo(() => labelCounts(result.objects), [result.objects]);
  const belowThreshold =
    ranked.length - filterObjects(ranked, { label: '', minScore: state.filter.minScore }).length;
  const selected = ranked.find((object) => object.object_id === state.selectedId) ?? null;
  const hovered = ranked.find((object) => object.object_id === state.hoveredId) ?? null;
  const failed = image.status === 'failed';

  /** Every object with its full record (centroid, radius, class id), loading what the list endpoint left out. */
  const fullDetections = async (): Promise<ObjectDetailsRecord[]> => {
    const loaded = await Promise.all(
      missingDetails(current.objects).map((object) => api.getObject(image.image_id, object.object_id)),
    );
    for (const object of loaded) dispatch({ type: 'object-details', imageId: image.image_id, object });
    const byId = new Map(loaded.map((object) => [object.object_id, object]));
    return current.objects.map((object) => (byId.get(object.object_id) ?? object) as ObjectDetailsRecord);
  };

  const exportResult = async (format: 'api' | 'coco') => {
    setExporting(true);
    try {
      const detections = await fullDetections();
      if (format === 'api')
        saveJson(apiResultJson(image, detections), exportFileName(image.filename, 'json'));
      else saveJson(cocoResults(image, detections), exportFileName(image.filename, 'coco-results.json'));
    } catch (error) {
      dispatch({ type: 'show-error', error: toApiError(error, 'Export', api.baseUrl) });
    } finally {
      setExporting(false);
    }
  };

  const annotatedName = exportFileName(
    image.filename,
    `annotated.${image.content_type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'jpg'}`,
  );
  const downloadAnnotated = async (event: MouseEvent) => {
    if (!api.hasToken) return; // same origin: the link downloads it itself
    event.preventDefault();
    try {
      saveBlob(await api.imageBlob(image.image_id, 'annotated'), annotatedName);
    } catch (error) {
      dispatch({
        type: 'show-error',
        error: toApiError(error, 'Downloading the annotated image', api.baseUrl),
      });
    }
  };

  const openWithToken = async (event: MouseEvent, variant: ImageVariant) => {
    if (!api.hasToken) return;
    event.preventDefault();
    const opened = window.open('', '_blank');
    try {
      const blob = await api.imageBlob(image.image_id, variant);
      const url = URL.createObjectURL(blob);
      if (opened) opened.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      opened?.close();
      dispatch({ type: 'show-error', error: toApiError(error, 'Opening the image', api.baseUrl) });
    }
  };

  return (
    <article
      class="card result"
      aria-labelledby="result-heading"
      data-testid="result"
      data-image-id={image.image_id}
    >
      <header class="result-header">
        <div class="result-title">
          <h2 id="result-heading" title={image.filename} tabIndex={-1}>
            {image.filename || shortId(image.image_id)}
          </h2>
          <p class="result-meta">
            <span class={`badge badge-${failed ? 'failed' : 'ok'}`} data-testid="result-status">
              {failed ? 'detection failed' : image.status}
            </span>
            <span>
              {image.width} × {image.height} px
            </span>
            {image.size_bytes > 0 && <span>{formatBytes(image.size_bytes)}</span>}
            {image.model && (
              <span>
                {image.model.name}
                {image.model.version ? ` v${image.model.version}` : ''}
              </span>
            )}
            {image.created_at && (
              <time dateTime={image.created_at} title={image.created_at}>
                {formatRelativeTime(image.created_at)}
              </time>
            )}
            <span class="mono" title={`Image id (SHA-256): ${image.image_id}`}>
              {shortId(image.image_id)}
            </span>
          </p>
        </div>
        <div class="result-actions">
          <button
            type="button"
            class="button"
            onClick={onRerun}
            disabled={busy}
            aria-describedby="rerun-settings"
          >
            Re-run detection
          </button>
          <a
            class="button button-quiet"
            href={api.imageUrl(image.image_id, 'file')}
            target="_blank"
            rel="noopener"
            onClick={(event) => void openWithToken(event, 'file')}
          >
            Original
          </a>
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete this image"
            question="Delete the image and its objects?"
            disabled={busy}
            onConfirm={onDelete}
          />
        </div>
      </header>

      <p id="rerun-settings" class="hint result-rerun">
        Re-run sends: {rerunSettings} (change them under Settings).
      </p>

      {failed && (
        <p class="alert alert-warn">
          Detection did not finish for this image
          {image.error ? `: ${image.error}` : ' (the model server failed)'}. The image is stored; choose
          “Re-run detection” to try again.
        </p>
      )}

      {runs.length > 1 && (
        // biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form field group
        <div class="runs" role="group" aria-label="Runs on this image" data-testid="runs">
          <span class="runs-title">Runs:</span>
          {runs.map((run, index) => (
            <button
              type="button"
              key={index === 0 ? 'current' : `earlier-${runs.length - index}`}
              class="button button-small run-button"
              aria-pressed={index === state.shownRun}
              data-testid="run"
              onClick={() => dispatch({ type: 'show-run', index })}
            >
              {index === 0 ? 'Current' : `Earlier ${index}`}: {run.image.model?.name ?? 'model'}
              {run.threshold != null ? ` at ${formatScore(run.threshold)}` : ''} ·{' '}
              {formatCount(run.objects.length, 'object')}
            </button>
          ))}
        </div>
      )}
      {viewingEarlier && (
        <p class="alert alert-info" role="status">
          Showing an earlier run, kept by this page: the server stores only the current run's objects.
        </p>
      )}

      <div class="result-toolbar">
        <div class="field field-inline confidence">
          <label for="min-confidence">
            Show objects with confidence ≥{' '}
            <output for="min-confidence" data-testid="confidence-value">
              {formatScore(state.filter.minScore)}
            </output>
          </label>
          <input
            id="min-confidence"
            type="range"
            min="0"
            max="1"
            step="0.05"
            value={state.filter.minScore}
            aria-describedby="confidence-hint"
            onInput={(event) =>
              dispatch({
                type: 'filter',
                filter: { minScore: Number((event.currentTarget as HTMLInputElement).value) },
              })
            }
          />
          <span id="confidence-hint" class="hint">
            {belowThreshold > 0
              ? `${formatCount(belowThreshold, 'object')} below, hidden`
              : 'Filters what is shown; nothing is sent to the model'}
          </span>
        </div>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={showCaptions}
            onChange={(event) => setShowCaptions((event.currentTarget as HTMLInputElement).checked)}
          />
          Show labels on boxes
        </label>
      </div>

      <div class="result-body">
        <DetectionViewer
          src={source.src}
          failed={source.failed}
          alt={`${image.filename || 'Uploaded image'} with ${formatCount(visible.length, 'detected object')}`}
          width={image.width}
          height={image.height}
          objects={visible}
          selectedId={state.selectedId}
          hoveredId={state.hoveredId}
          showCaptions={showCaptions}
          onSelect={(objectId) => dispatch({ type: 'select', objectId })}
          onHover={(objectId) => dispatch({ type: 'hover', objectId })}
        />
        <div class="result-side">
          {!viewingEarlier && (
            // biome-ignore lint/a11y/useSemanticElements: a group of download buttons, not a form field group
            <div class="exports" role="group" aria-labelledby="exports-heading">
              <h3 id="exports-heading">Download</h3>
              <button
                type="button"
                class="button button-small"
                disabled={exporting || failed}
                onClick={() => void exportResult('api')}
              >
                Result JSON
              </button>
              <button
                type="button"
                class="button button-small"
                disabled={exporting || failed}
                onClick={() => void exportResult('coco')}
              >
                COCO results
              </button>
              <a
                class="button button-small"
                href={api.imageUrl(image.image_id, 'annotated')}
                download={annotatedName}
                onClick={(event) => void downloadAnnotated(event)}
              >
                Annotated image
              </a>
            </div>
          )}
          <ObjectDetails
            object={selected ?? hovered}
            loading={detailsLoading}
            error={detailsError}
            onClose={() => {
              dispatch({ type: 'select', objectId: null });
              dispatch({ type: 'hover', objectId: null });
            }}
          />
        </div>
      </div>

      <ObjectsTable
        rows={rows}
        total={ranked.length}
        labels={labels}
        filter={state.filter}
        sort={state.sort}
        selectedId={state.selectedId}
        hoveredId={state.hoveredId}
        onFilter={(filter) => dispatch({ type: 'filter', filter })}
        onSort={(key) => dispatch({ type: 'sort', key })}
        onSelect={(objectId) => dispatch({ type: 'select', objectId })}
        onHover={(objectId) => dispatch({ type: 'hover', objectId })}
      />
    </article>
  );
}
