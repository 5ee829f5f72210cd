import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../api/types.js';
import {
  DEFAULT_SORT,
  filterObjects,
  labelCounts,
  nextSort,
  rankObjects,
  sortObjects,
  summariseLabels,
} from './objects-table.js';

const objects: DetectedObject[] = [
  { object_id: 'a', label: 'person', score: 0.6, bbox: [100, 50, 200, 250] },
  { object_id: 'b', label: 'dog', score: 0.9, bbox: [10, 300, 60, 340] },
  { object_id: 'c', label: 'person', score: 0.95, bbox: [300, 40, 340, 100] },
  { object_id: 'd', label: 'Bicycle', score: 0.6, bbox: [0, 0, 500, 400] },
];

const ids = (list: readonly { object_id: string }[]) => list.map(({ object_id }) => object_id);

describe('rankObjects', () => {
  it('ranks by descending score, ties in server order', () => {
    const ranked = rankObjects(objects);
    expect(ranked.map(({ object_id, rank }) => `${object_id}${rank}`)).toEqual(['c1', 'b2', 'a3', 'd4']);
  });
});

describe('sortObjects', () => {
  const ranked = rankObjects(objects);

  it('sorts by score descending by default', () => {
    expect(ids(sortObjects(ranked, DEFAULT_SORT))).toEqual(['c', 'b', 'a', 'd']);
  });

  it('sorts labels case-insensitively and keeps rank order within a label', () => {
    expect(ids(sortObjects(ranked, { key: 'label', direction: 'ascending' }))).toEqual(['d', 'b', 'c', 'a']);
    expect(ids(sortObjects(ranked, { key: 'label', direction: 'descending' }))).toEqual(['c', 'a', 'b', 'd']);
  });

  it('sorts by box area and by position (top, then left)', () => {
    expect(ids(sortObjects(ranked, { key: 'area', direction: 'descending' }))).toEqual(['d', 'a', 'c', 'b']);
    expect(ids(sortObjects(ranked, { key: 'position', direction: 'ascending' }))).toEqual([
      'd',
      'c',
      'a',
      'b',
    ]);
  });

  it('does not change its input', () => {
    const before = ids(ranked);
    sortObjects(ranked, { key: 'label', direction: 'ascending' });
    expect(ids(ranked)).toEqual(before);
  });
});

describe('nextSort', () => {
  it('flips the direction on the same column and starts numbers descending, text ascending', () => {
    expect(nextSort({ key: 'score', direction: 'descending' }, 'score')).toEqual({
      key: 'score',
      direction: 'ascending',
    });
    expect(nextSort(DEFAULT_SORT, 'label')).toEqual({ key: 'label', direction: 'ascending' });
    expect(nextSort({ key: 'label', direction: 'ascending' }, 'area')).toEqual({
      key: 'area',
      direction: 'descending',
    });
  });
});

describe('filterObjects', () => {
  it('keeps one label, or all when the label is empty', () => {
    expect(ids(filterObjects(objects, { label: 'person', minScore: 0 }))).toEqual(['a', 'c']);
    expect(ids(filterObjects(objects, { label: '', minScore: 0 }))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops objects under the minimum score, keeping those exactly at it', () => {
    expect(ids(filterObjects(objects, { label: '', minScore: 0.6 }))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(filterObjects(objects, { label: 'person', minScore: 0.7 }))).toEqual(['c']);
  });
});

describe('labelCounts and summariseLabels', () => {
  it('counts labels, most frequent first then alphabetical', () => {
    expect(labelCounts(objects)).toEqual([
      { label: 'person', count: 2 },
      { label: 'Bicycle', count: 1 },
      { label: 'dog', count: 1 },
    ]);
  });

  it('summarises for announcements', () => {
    expect(summariseLabels(objects)).toBe('person ×2, Bicycle, dog');
    expect(summariseLabels(objects, 1)).toBe('person ×2 and 2 more');
    expect(summariseLabels([])).toBe('no objects');
  });
});
