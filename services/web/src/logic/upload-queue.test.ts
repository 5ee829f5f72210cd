import { describe, expect, it } from 'vitest';
import {
  clampParallelUploads,
  describeSummary,
  itemsToStart,
  type QueueItem,
  type QueueStatus,
  summariseQueue,
} from './upload-queue.js';

const item = (id: number, status: QueueStatus, error: string | null = null): QueueItem => ({
  id,
  name: `photo-${id}.jpg`,
  status,
  progress: 0,
  imageId: null,
  objectCount: null,
  error,
});

describe('upload queue', () => {
  it('Should start queued files in order, never more than the limit in flight', () => {
    const items = [item(1, 'uploading'), item(2, 'queued'), item(3, 'queued'), item(4, 'queued')];
    expect(itemsToStart(items, 2).map(({ id }) => id)).toEqual([2]);
    expect(itemsToStart(items, 3).map(({ id }) => id)).toEqual([2, 3]);
    expect(itemsToStart([item(1, 'detecting'), item(2, 'uploading'), item(3, 'queued')], 2)).toEqual([]);
    expect(
      itemsToStart([item(1, 'done'), item(2, 'failed'), item(3, 'queued')], 1).map(({ id }) => id),
    ).toEqual([3]);
  });

  it('Should summarise what happened, with the reasons of failures', () => {
    const items = [
      item(1, 'done'),
      item(2, 'done'),
      item(3, 'duplicate'),
      item(4, 'failed', 'Upload failed: the server could not use this input. Not an image.'),
      item(5, 'cancelled'),
    ];
    const summary = summariseQueue(items);
    expect(summary).toMatchObject({
      total: 5,
      uploaded: 2,
      duplicates: 1,
      failed: 1,
      cancelled: 1,
      pending: 0,
    });
    expect(summary.failures).toEqual([
      { name: 'photo-4.jpg', reason: 'Upload failed: the server could not use this input. Not an image.' },
    ]);
    expect(describeSummary(summary)).toBe('5 files: 2 uploaded, 1 duplicate, 1 failed, 1 cancelled');
    expect(describeSummary(summariseQueue([item(1, 'done'), item(2, 'queued')]))).toBe(
      '2 files: 1 uploaded, 1 to go',
    );
  });

  it('Should keep the parallel-uploads setting within 1–6', () => {
    expect(clampParallelUploads(0)).toBe(1);
    expect(clampParallelUploads(3.4)).toBe(3);
    expect(clampParallelUploads(99)).toBe(6);
    expect(clampParallelUploads(Number.NaN)).toBe(2);
  });
});
