import { labelColour } from '@detection/backend/label-style';
import { useEffect, useRef } from 'preact/hooks';
import { formatCount, formatPoint, formatScore } from '../logic/format.js';
import { boxSize } from '../logic/geometry.js';
import type { LabelCount, ObjectFilter, RankedObject, SortKey, SortState } from '../logic/objects-table.js';

interface ObjectsTableProps {
  rows: RankedObject[];
  total: number;
  labels: LabelCount[];
  filter: ObjectFilter;
  sort: SortState;
  selectedId: string | null;
  hoveredId: string | null;
  onFilter: (filter: Partial<ObjectFilter>) => void;
  onSort: (key: SortKey) => void;
  onSelect: (objectId: string | null) => void;
  onHover: (objectId: string | null) => void;
}

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: 'rank', label: '#', numeric: true },
  { key: 'label', label: 'Label', numeric: false },
  { key: 'score', label: 'Score', numeric: true },
  { key: 'position', label: 'Box (x₁, y₁ – x₂, y₂)', numeric: false },
  { key: 'area', label: 'Size (w × h)', numeric: true },
];

/** The detected objects as a table: sortable columns (aria-sort), filter by label and minimum score. */
export function ObjectsTable(props: ObjectsTableProps) {
  const { rows, total, labels, filter, sort, selectedId, hoveredId, onFilter, onSort, onSelect, onHover } =
    props;
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    if (!selectedId) return;
    body.current
      ?.querySelector(`[data-object-id="${selectedId}"]`)
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [selectedId]);

  return (
    <section class="objects" aria-labelledby="objects-heading">
      <div class="objects-header">
        <h3 id="objects-heading">Objects</h3>
        <p class="objects-count" aria-live="polite" data-testid="objects-count">
          {rows.length === total
            ? formatCount(total, 'object')
            : `Showing ${rows.length} of ${total}${filter.minScore > 0 ? ` (confidence ≥ ${formatScore(filter.minScore)})` : ''}`}
        </p>
      </div>
      <fieldset class="filters">
        <legend class="visually-hidden">Filter objects</legend>
        <div class="field field-inline">
          <label for="label-filter">Label</label>
          <select
            id="label-filter"
            value={filter.label}
            onChange={(event) => onFilter({ label: (event.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">All labels ({total})</option>
            {labels.map(({ label, count }) => (
              <option key={label} value={label}>
                {label} ({count})
              </option>
            ))}
          </select>
        </div>
        {filter.label !== '' && (
          <button type="button" class="button button-quiet" onClick={() => onFilter({ label: '' })}>
            Clear filters
          </button>
        )}
      </fieldset>
      <div class="table-scroll">
        <table class="objects-table" data-testid="objects-table">
          <caption class="visually-hidden">
            Detected objects, sorted by {COLUMNS.find(({ key }) => key === sort.key)?.label} {sort.direction}.
            Select a row to highlight its box on the image.
          </caption>
          <thead>
            <tr>
              {COLUMNS.map(({ key, label, numeric }) => (
                <th
                  key={key}
                  scope="col"
                  class={numeric ? 'numeric' : undefined}
                  aria-sort={sort.key === key ? sort.direction : 'none'}
                >
                  <button type="button" class="sort-button" onClick={() => onSort(key)}>
                    {label}
                    <span class="sort-indicator" aria-hidden="true">
                      {sort.key === key ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody ref={body} onMouseLeave={() => onHover(null)}>
            {rows.map((object) => {
              const selected = object.object_id === selectedId;
              const { width, height } = boxSize(object.bbox);
              return (
                <tr
                  key={object.object_id}
                  data-object-id={object.object_id}
                  data-testid="object-row"
                  class={
                    selected ? 'row-selected' : object.object_id === hoveredId ? 'row-hovered' : undefined
                  }
                  onMouseEnter={() => onHover(object.object_id)}
                  onClick={() => onSelect(selected ? null : object.object_id)}
                >
                  <td class="numeric">
                    <button
                      type="button"
                      class="row-button"
                      aria-pressed={selected}
                      aria-label={`Select object ${object.rank}, ${object.label}`}
                      onFocus={() => onHover(object.object_id)}
                      onClick={(event) => {
                        event.stopPropagation();
                        onSelect(selected ? null : object.object_id);
                      }}
                    >
                      {object.rank}
                    </button>
                  </td>
                  <td>
                    <span
                      class="swatch"
                      style={{ background: labelColour(object.label) }}
                      aria-hidden="true"
                    />
                    {object.label}
                  </td>
                  <td class="numeric">
                    <span class="score">
                      <span class="score-bar" aria-hidden="true">
                        <span style={{ width: `${Math.round(object.score * 100)}%` }} />
                      </span>
                      {formatScore(object.score)}
                    </span>
                  </td>
                  <td class="mono">
                    {formatPoint(object.bbox.slice(0, 2))} – {formatPoint(object.bbox.slice(2))}
                  </td>
                  <td class="numeric mono">
                    {Math.round(width)} × {Math.round(height)}
                  </td>
                </tr>
              );
            })}
            {rows.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length} class="empty-row">
                  {total === 0
                    ? 'No objects were detected in this image.'
                    : 'No object matches these filters: lower the confidence threshold to see more.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
