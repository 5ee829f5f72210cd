import { labelColour } from '@detection/backend/label-style';
import { formatPoint, formatScore } from '../logic/format.js';
import { boxSize } from '../logic/geometry.js';
import type { RankedObject } from '../logic/objects-table.js';

interface ObjectDetailsProps {
  object: RankedObject | null;
  loading: boolean;
  error: string | null;
  onClose: () => void;
}

/** The selected object's full record: bbox, centroid, radius, score, class. */
export function ObjectDetails({ object, loading, error, onClose }: ObjectDetailsProps) {
  if (object === null) {
    return (
      <aside class="details details-empty" aria-label="Object details">
        <p class="hint">
          Hover or click a box or a table row to see an object's details. Arrow keys move between boxes.
        </p>
      </aside>
    );
  }
  const { width, height } = boxSize(object.bbox);
  return (
    <aside class="details" aria-labelledby="details-heading" data-testid="object-details">
      <div class="details-header">
        <h3 id="details-heading">
          <span class="swatch" style={{ background: labelColour(object.label) }} aria-hidden="true" />
          <span class="details-rank">#{object.rank}</span> {object.label}
        </h3>
        <button type="button" class="icon-button" aria-label="Close object details" onClick={onClose}>
          ×
        </button>
      </div>
      <dl class="details-list">
        <dt>Score</dt>
        <dd data-field="score">{formatScore(object.score)}</dd>
        <dt>BBox</dt>
        <dd class="mono" data-field="bbox">
          [{formatPoint(object.bbox)}]
        </dd>
        <dt>Size</dt>
        <dd class="mono">
          {Math.round(width)} × {Math.round(height)} px
        </dd>
        <dt>Centroid</dt>
        <dd class="mono" data-field="centroid">
          {object.centroid ? `(${formatPoint(object.centroid)})` : loading ? 'loading…' : '—'}
        </dd>
        <dt>Radius</dt>
        <dd class="mono" data-field="radius">
          {object.radius !== undefined
            ? `${Math.round(object.radius * 10) / 10} px`
            : loading
              ? 'loading…'
              : '—'}
        </dd>
        <dt>Class id</dt>
        <dd class="mono">{object.class_id ?? (loading ? 'loading…' : '—')}</dd>
        <dt>Object id</dt>
        <dd class="mono object-id">{object.object_id}</dd>
      </dl>
      {error && <p class="hint hint-warn">{error}</p>}
    </aside>
  );
}
