import { useMemo, useState } from 'preact/hooks';
import type { ApiClient, ImageVariant } from '../api/client.js';
import { toApiError } from '../api/errors.js';
import type { Action, AppState, Result } from '../logic/app-state.js';
import { formatBytes, formatCount, formatRelativeTime, shortId } from '../logic/format.js';
import { filterObjects, labelCounts, rankObjects, sortObjects } from '../logic/objects-table.js';
import { ConfirmButton } from './ConfirmButton.js';
import { DetectionViewer } from './DetectionViewer.js';
import { useImageSource } from './hooks.js';
import { ObjectDetails } from './ObjectDetails.js';
import { ObjectsTable } from './ObjectsTable.js';

interface ResultViewProps {
  api: ApiClient;
  tokenVersion: number;
  result: Result;
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
    result,
    state,
    dispatch,
    busy,
    detailsLoading,
    detailsError,
    onRerun,
    onDelete,
  } = props;
  const { image } = result;
  const [showCaptions, setShowCaptions] = useState(true);
  const source = useImageSource(api, image.image_id, 'file', tokenVersion);
  const ranked = useMemo(() => rankObjects(result.objects), [result.objects]);
  const visible = useMemo(() => filterObjects(ranked, state.filter), [ranked, state.filter]);
  const rows = useMemo(() => sortObjects(visible, state.sort), [visible, state.sort]);
  const labels = useMemo(() => labelCounts(result.objects), [result.objects]);
  const selected = ranked.find((object) => object.object_id === state.selectedId) ?? null;
  const hovered = ranked.find((object) => object.object_id === state.hoveredId) ?? null;
  const failed = image.status === 'failed';

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
          <button type="button" class="button" onClick={onRerun} disabled={busy}>
            Re-run detection
          </button>
          <a
            class="button button-quiet"
            href={api.imageUrl(image.image_id, 'annotated')}
            target="_blank"
            rel="noopener"
            onClick={(event) => void openWithToken(event, 'annotated')}
          >
            Annotated image
          </a>
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

      {failed && (
        <p class="alert alert-warn">
          Detection did not finish for this image
          {image.error ? `: ${image.error}` : ' (the model server failed)'}. The image is stored; choose
          “Re-run detection” to try again.
        </p>
      )}

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
          <label class="checkbox">
            <input
              type="checkbox"
              checked={showCaptions}
              onChange={(event) => setShowCaptions((event.currentTarget as HTMLInputElement).checked)}
            />
            Show labels on boxes
          </label>
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
