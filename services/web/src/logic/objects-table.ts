import type { DetectedObject } from '../api/types.js';
import { boxArea } from './geometry.js';

export type SortKey = 'rank' | 'label' | 'score' | 'area' | 'position';
export type SortDirection = 'ascending' | 'descending';

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export interface ObjectFilter {
  /** Exact label to keep; '' keeps every label. */
  label: string;
  /** Keep objects scoring at least this (0..1). */
  minScore: number;
}

/** An object with its rank by score (1 = most confident), the number shown in the table and on the box. */
export interface RankedObject extends DetectedObject {
  rank: number;
}

export const DEFAULT_SORT: SortState = { key: 'score', direction: 'descending' };
export const NO_FILTER: ObjectFilter = { label: '', minScore: 0 };

/** Numbers objects by descending score; ties keep the server's order. */
export function rankObjects(objects: readonly DetectedObject[]): RankedObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => b.object.score - a.object.score || a.index - b.index)
    .map(({ object }, position) => ({ ...object, rank: position + 1 }));
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function compare(a: RankedObject, b: RankedObject, key: SortKey): number {
  switch (key) {
    case 'rank':
      return a.rank - b.rank;
    case 'label':
      return collator.compare(a.label, b.label);
    case 'score':
      return a.score - b.score;
    case 'area':
      return boxArea(a.bbox) - boxArea(b.bbox);
    case 'position':
      return a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0];
  }
}

/** Stable sort; equal keys fall back to rank so the order never jumps between renders. */
export function sortObjects(objects: readonly RankedObject[], sort: SortState): RankedObject[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...objects].sort((a, b) => sign * compare(a, b, sort.key) || a.rank - b.rank);
}

export function filterObjects<T extends DetectedObject>(objects: readonly T[], filter: ObjectFilter): T[] {
  return objects.filter(
    (object) => (filter.label === '' || object.label === filter.label) && object.score >= filter.minScore,
  );
}

/** Clicking a column header: a new column starts in its natural direction, the same column flips. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  const naturallyDescending = key === 'score' || key === 'area';
  return { key, direction: naturallyDescending ? 'descending' : 'ascending' };
}

export interface LabelCount {
  label: string;
  count: number;
}

/** Labels with how many objects carry them, most frequent first, then alphabetical. */
export function labelCounts(objects: readonly DetectedObject[]): LabelCount[] {
  const counts = new Map<string, number>();
  for (const { label } of objects) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || collator.compare(a.label, b.label));
}

/** "3 people, 1 dog"-style summary: "person ×3, dog ×1". */
export function summariseLabels(objects: readonly DetectedObject[], limit = 4): string {
  const counts = labelCounts(objects);
  if (counts.length === 0) return 'no objects';
  const shown = counts.slice(0, limit).map(({ label, count }) => (count > 1 ? `${label} ×${count}` : label));
  const rest = counts.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}
