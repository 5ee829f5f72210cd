import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { DetectedObject, ImageRecord } from '../api/types.js';
import { type AppState, appReducer, INITIAL_STATE, type Result } from './app-state.js';

const image = (id: string): ImageRecord => ({
  image_id: id,
  filename: `${id}.jpg`,
  content_type: 'image/jpeg',
  width: 100,
  height: 100,
  size_bytes: 10,
  created_at: '2026-01-01T00:00:00Z',
  status: 'completed',
  error: null,
  source_url: null,
  model: { name: 'centernet-coco', version: '1' },
  object_count: 2,
  detections: null,
});
const object = (id: string, label: string): DetectedObject => ({
  object_id: id,
  bbox: [0, 0, 10, 10],
  label,
  score: 0.9,
});
const result = (id: string, objects: DetectedObject[]): Result => ({ image: image(id), objects });
const job = (id: number) => ({ id, kind: 'upload' as const, description: 'Uploading', startedAt: 0 });

function run(state: AppState, ...actions: Parameters<typeof appReducer>[1][]) {
  return actions.reduce(appReducer, state);
}

describe('appReducer', () => {
  it('shows a finished job and announces what was found', () => {
    const state = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      {
        type: 'job-succeeded',
        jobId: 1,
        result: result('a', [object('1', 'dog'), object('2', 'dog')]),
        storedChanged: true,
      },
    );
    expect(state.job).toBeNull();
    expect(state.result?.image.image_id).toBe('a');
    expect(state.announcement).toBe('2 objects found in a.jpg: dog ×2.');
    expect(state.historyVersion).toBe(1);
  });

  it('ignores the answer of a job that was replaced by a newer one', () => {
    const state = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      { type: 'job-started', job: job(2) },
      { type: 'job-succeeded', jobId: 1, result: result('old', []), storedChanged: true },
    );
    expect(state.result).toBeNull();
    expect(state.job?.id).toBe(2);
  });

  it('keeps the selection and filter when the same image is re-run and the object survives', () => {
    const first = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      {
        type: 'job-succeeded',
        jobId: 1,
        result: result('a', [object('1', 'dog'), object('2', 'cat')]),
        storedChanged: true,
      },
      { type: 'select', objectId: '2' },
      { type: 'filter', filter: { label: 'cat' } },
    );
    const rerun = run(
      first,
      { type: 'job-started', job: job(2) },
      { type: 'job-succeeded', jobId: 2, result: result('a', [object('2', 'cat')]), storedChanged: true },
    );
    expect(rerun.selectedId).toBe('2');
    expect(rerun.filter.label).toBe('cat');
    const other = run(
      rerun,
      { type: 'job-started', job: job(3) },
      { type: 'job-succeeded', jobId: 3, result: result('b', [object('2', 'cat')]), storedChanged: false },
    );
    expect(other.selectedId).toBeNull();
    expect(other.filter.label).toBe('');
  });

  it('shows failures but not cancellations as errors', () => {
    const failure = new ApiError({
      kind: 'bad_input',
      status: 400,
      title: 'Upload failed.',
      detail: 'Not an image.',
    });
    const failed = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      { type: 'job-failed', jobId: 1, error: failure },
    );
    expect(failed.error).toBe(failure);
    const cancelled = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      {
        type: 'job-failed',
        jobId: 1,
        error: new ApiError({ kind: 'aborted', status: 0, title: 'Upload was cancelled.', detail: null }),
      },
    );
    expect(cancelled.error).toBeNull();
    expect(cancelled.announcement).toBe('Upload was cancelled.');
  });

  it('merges loaded object details and clears the view when its image is deleted', () => {
    const shown = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      { type: 'job-succeeded', jobId: 1, result: result('a', [object('1', 'dog')]), storedChanged: false },
      {
        type: 'object-details',
        imageId: 'a',
        object: { ...object('1', 'dog'), centroid: [5, 5], radius: 7.1, class_id: 16 },
      },
    );
    expect(shown.result?.objects[0]).toMatchObject({ centroid: [5, 5], radius: 7.1, class_id: 16 });
    const deleted = run(shown, { type: 'image-deleted', imageId: 'a' });
    expect(deleted.result).toBeNull();
    expect(deleted.historyVersion).toBe(shown.historyVersion + 1);
  });
});

describe('appReducer: runs, cancellation, confidence', () => {
  it('keeps the previous result of a re-run viewable as an earlier run', () => {
    const first = result('a', [object('o1', 'dog'), object('o2', 'cat')]);
    const second = result('a', [object('o3', 'dog')]);
    const state = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      { type: 'job-succeeded', jobId: 1, result: first, storedChanged: true },
      { type: 'job-started', job: job(2) },
      { type: 'job-succeeded', jobId: 2, result: second, storedChanged: true, newRun: true },
    );
    expect(state.result).toBe(second);
    expect(state.earlierRuns.a).toEqual([first]);
    expect(run(state, { type: 'show-run', index: 1 }).shownRun).toBe(1);
    expect(run(state, { type: 'image-deleted', imageId: 'a' }).earlierRuns).toEqual({});
  });

  it('says a cancelled job was cancelled', () => {
    const state = run(
      INITIAL_STATE,
      { type: 'job-started', job: { ...job(1), description: 'Detecting objects in street.jpg' } },
      {
        type: 'job-failed',
        jobId: 1,
        error: new ApiError({ kind: 'aborted', status: 0, title: 'cancelled', detail: null }),
      },
    );
    expect(state.error).toBeNull();
    expect(state.notice).toBe('Cancelled: detecting objects in street.jpg.');
  });

  it('keeps the confidence threshold from image to image, but not the label filter', () => {
    const state = run(
      INITIAL_STATE,
      { type: 'job-started', job: job(1) },
      { type: 'job-succeeded', jobId: 1, result: result('a', [object('o1', 'dog')]), storedChanged: true },
      { type: 'filter', filter: { label: 'dog', minScore: 0.6 } },
      { type: 'job-started', job: job(2) },
      { type: 'job-succeeded', jobId: 2, result: result('b', [object('o2', 'cat')]), storedChanged: true },
    );
    expect(state.filter).toEqual({ label: '', minScore: 0.6 });
  });
});
